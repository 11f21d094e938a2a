// Everything that holds no data and can be redeployed at will: the five functions, the HTTP API, the
// schedules, the start queue, the ECS cluster and task-state rule, the domain event bus, alarms and
// the dashboard.
import { ArnFormat, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type Construct } from 'constructs';
import { type AppConfig, ConfigError } from '../../contract/app-config';
import { FUNCTION_CALLS } from '../../contract/function-calls';
import { type FunctionEnvironment } from '../../contract/function-env';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../contract/observability';
import { acknowledgeWildcards } from '../nag/acknowledge-wildcards';
import { bindEnvironment, callScopes, grantCalls } from '../constructs/bindings';
import { DeadLetterQueue } from '../constructs/dead-letter-queue';
import { ExpiryScheduling } from '../constructs/expiry-scheduling';
import { Monitoring, ebsFilesystemPercent } from '../constructs/monitoring';
import { WORKSPACE_VOLUME_NAME } from '../../contract/ecs-tasks';
import { Notifications } from '../constructs/notifications';
import { ProfileParameters } from '../constructs/profile-parameters';
import { SessionApi } from '../constructs/session-api';
import { SessionCluster } from '../constructs/session-cluster';
import { type HandlerName, SessionFunction } from '../constructs/session-function';
import { StartQueue } from '../constructs/start-queue';
import { SnapshotEventRule } from '../constructs/snapshot-event-rule';
import { TaskStateRule } from '../constructs/task-state-rule';
import { type DefinedTable } from './stateful-stack';

export interface StatelessStackProps extends StackProps {
  config: AppConfig;
  sessions: DefinedTable;
  idempotency: DefinedTable;
  workspaces: DefinedTable;
}

/** Memory and timeout per function: explicit, sized for what each does. */
const sizing = (config: AppConfig): Record<HandlerName, { memorySize: number; timeout: Duration; description: string }> => ({
  // Behind API Gateway (30 s hard limit); create does CreateSchedule + SendMessage.
  api: { memorySize: 1024, timeout: Duration.seconds(15), description: 'HTTP API of session-expiry' },
  expire: { memorySize: 512, timeout: Duration.seconds(30), description: 'Fired by a session schedule: re-arm, warn or stop' },
  // Never longer than one interval, so sweeps do not pile up.
  sweep: {
    memorySize: 1024,
    timeout: Duration.seconds(Math.min(300, config.sweepIntervalMinutes * 60)),
    description: 'Safety net: overdue, stuck, orphaned and lost sessions',
  },
  taskEvent: { memorySize: 512, timeout: Duration.seconds(30), description: 'ECS task state changes of session tasks' },
  // A batch of START_BATCH_SIZE starts, one RunTask (a few hundred ms) after another; the start
  // queue's visibility timeout is six times this.
  starter: { memorySize: 512, timeout: Duration.seconds(15), description: 'Queued session starts: RunTask at the rate ECS allows' },
});

/** CloudWatch Logs accepts only some retention periods; anything else fails synth naming the key. */
export const retentionOf = (days: number): RetentionDays => {
  const allowed = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number' && v !== RetentionDays.INFINITE);
  if (!allowed.includes(days)) {
    throw new ConfigError(`invalid configuration:\n  sessionExpiry.logRetentionDays: must be one of ${allowed.join(', ')}`);
  }
  return days;
};

export class StatelessStack extends Stack {
  readonly functions: Record<HandlerName, SessionFunction>;
  readonly api: SessionApi;
  readonly scheduling: ExpiryScheduling;
  readonly cluster: SessionCluster;
  readonly profiles: ProfileParameters;
  readonly monitoring: Monitoring;
  readonly eventBus: EventBus;
  readonly startQueue: StartQueue;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = retentionOf(config.logRetentionDays);

    // The expire function is the target of every session schedule and re-arms schedules for itself,
    // so its ARN is needed in its own environment: a fixed name makes the ARN known up front.
    const expireFunctionName = `${this.stackName}-expire`.slice(0, 64);
    const expireFunctionArn = this.formatArn({ service: 'lambda', resource: 'function', resourceName: expireFunctionName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });

    this.scheduling = new ExpiryScheduling(this, 'Scheduling', { expireFunctionArn });
    this.cluster = new SessionCluster(this, 'Tasks', { config, logRetention });
    this.profiles = new ProfileParameters(this, 'Profiles', { profiles: this.cluster.profiles });
    this.eventBus = new EventBus(this, 'DomainEvents', { description: 'session-expiry domain events (Session Ended, Session Expiring)' });
    this.api = new SessionApi(this, 'Api', { config, logRetention });
    const size = sizing(config);
    this.startQueue = new StartQueue(this, 'Starts', { starterTimeout: size.starter.timeout });

    // The variables every function shares; the bindings add the rest (contract/function-env.ts).
    const environment: FunctionEnvironment = {
      DEADLINE_SHARDS: String(config.deadlineShards),
      RETENTION_DAYS: String(config.retentionDays),
      SESSION_API_URL: this.api.url,
      ADMIN_GROUP: config.adminGroup,
      ORPHAN_GRACE_SECONDS: String(config.orphanGraceSeconds),
      STUCK_AFTER_SECONDS: String(config.stuckAfterSeconds),
      START_TIMEOUT_SECONDS: String(config.startTimeoutSeconds),
      JWT_ISSUER: this.api.jwt.issuer,
      JWT_AUDIENCE: this.api.jwt.audience.join(','),
      JWT_JWKS_URL: this.api.jwt.jwksUrl,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    };
    const make = (handler: HandlerName, id: string, functionName?: string) =>
      new SessionFunction(this, id, {
        handler,
        ...size[handler],
        logRetention,
        environment,
        withWorkspaces: this.cluster.volumesRole !== undefined,
        ...(functionName !== undefined && { functionName }),
      });
    this.functions = {
      api: make('api', 'ApiFunction'),
      expire: make('expire', 'ExpireFunction', expireFunctionName),
      sweep: make('sweep', 'SweepFunction'),
      taskEvent: make('taskEvent', 'TaskEventFunction'),
      starter: make('starter', 'StarterFunction'),
    };
    const { api, expire, sweep, taskEvent, starter } = this.functions;

    // Who may do what: every function gets every variable (one wiring module reads them all), and
    // exactly the grants contract/function-calls.ts lists for it (README, "Least privilege").
    const bound = {
      sessions: props.sessions,
      idempotency: props.idempotency,
      workspaces: props.workspaces,
      cluster: this.cluster,
      scheduling: this.scheduling,
      eventBus: this.eventBus,
      profiles: this.profiles,
      startQueue: this.startQueue.queue,
    };
    const scopes = callScopes(bound);
    for (const [name, fn] of Object.entries(this.functions) as [HandlerName, SessionFunction][]) {
      bindEnvironment(fn, bound);
      grantCalls(fn, FUNCTION_CALLS[name], scopes);
    }

    // Async invocations (Scheduler, EventBridge) that still fail after Lambda's retries land here.
    const asyncFailures = {
      expire: new DeadLetterQueue(this, 'ExpireFailures', 'expire invocations that failed after retries'),
      sweep: new DeadLetterQueue(this, 'SweepFailures', 'sweep invocations that failed after retries'),
      taskEvent: new DeadLetterQueue(this, 'TaskEventFailures', 'task-event invocations that failed after retries'),
    };
    expire.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(1), onFailure: new SqsDestination(asyncFailures.expire) });
    sweep.configureAsyncInvoke({
      retryAttempts: 2,
      // A sweep older than one interval is superseded by the next one.
      maxEventAge: Duration.minutes(Math.max(config.sweepIntervalMinutes, 1)),
      onFailure: new SqsDestination(asyncFailures.sweep),
    });
    taskEvent.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(1), onFailure: new SqsDestination(asyncFailures.taskEvent) });

    // Queued starts, at most starterConcurrency at once (README "Starting at the rate ECS allows").
    this.startQueue.addStarter(starter, config.starterConcurrency);

    this.api.addRoutes(api);
    // Session tasks report activity signed with their task role (README "How a task authenticates").
    this.cluster.allowTasksToInvoke(this.api.taskActivityInvokeArn);
    this.scheduling.addSweepSchedule(sweep, config.sweepIntervalMinutes);
    const taskState = new TaskStateRule(this, 'TaskState', { clusterArn: this.cluster.clusterArn, taskMarker: this.cluster.taskMarker, target: taskEvent });
    // Only with workspaces: the snapshots' ends go to the task-event function, which already holds
    // every client their handling needs (one function's cold start, not two: README "Workspaces").
    const snapshots = this.cluster.volumesRole === undefined ? undefined : new SnapshotEventRule(this, 'SnapshotEvents', { target: taskEvent });

    // Webhook and e-mail notifications, only when configured (README "Notifications").
    const notifications = new Notifications(this, 'Notifications', { notifications: config.notifications, eventBus: this.eventBus });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      config,
      serviceName: SERVICE_NAME,
      clusterName: this.cluster.clusterName,
      functions: this.functions,
      deadLetterQueues: [
        this.scheduling.deadLetterQueue,
        taskState.deadLetterQueue,
        ...(snapshots === undefined ? [] : [snapshots.deadLetterQueue]),
        ...Object.values(asyncFailures),
        this.startQueue.deadLetterQueue,
        ...notifications.deadLetterQueues,
      ],
      startQueue: this.startQueue.queue,
      scheduleGroup: this.scheduling.group,
      api: this.api,
      // Each workspace volume's filesystem, at the disk thresholds (Container Insights EBS metrics).
      disks: this.cluster.workspaceVolumes.map(({ profile, id, taskDefinitionFamily }) => ({
        id,
        label: `The ${profile} workspace volume`,
        percent: ebsFilesystemPercent(this.cluster.clusterName, taskDefinitionFamily, WORKSPACE_VOLUME_NAME),
      })),
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the session API' });
    new CfnOutput(this, 'TaskActivityInvokeArn', {
      value: this.api.taskActivityInvokeArn,
      description: 'execute-api:Invoke resource a configured task role needs to report activity',
    });
    if (this.api.userPool && this.api.userPoolClient) {
      new CfnOutput(this, 'UserPoolId', { value: this.api.userPool.userPoolId, description: 'Cognito user pool of API users' });
      new CfnOutput(this, 'UserPoolClientId', { value: this.api.userPoolClient.userPoolClientId, description: 'App client that issues API tokens' });
    }
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.monitoring.dashboard.dashboardName}`,
    });

    this.acknowledgeFindings();
  }

  /** The cdk-nag findings we accept, each with the reason. */
  private acknowledgeFindings(): void {
    acknowledgeWildcards(this, [
      {
        finding: /^Resource::\*$/,
        reason:
          'X-Ray PutTraceSegments/PutTelemetryRecords and EC2 DescribeVolumes/DescribeSnapshots (workspaces only; the calls filter by the stack\'s tag) have no resource-level permissions; ECS ListTasks (api and sweep only) is authorized on container instances, which Fargate tasks lack, so its ecs:cluster condition scopes it instead.',
      },
      {
        finding: /:schedule\/[^/]+\/\*$/,
        reason: 'Session schedules get runtime names <sessionId>-<n>; access is limited to schedules in this stack\'s own schedule group.',
      },
      {
        finding: /:task\/[^/]+\/\*$/,
        reason: 'Session tasks get runtime ARNs; access is limited to tasks of this one cluster (plus an ecs:cluster or ecs:CreateAction condition).',
      },
      {
        finding: /^Resource::<[A-Za-z0-9]+\.Arn>:\*$/,
        reason: 'Scheduler invokes the sweep function; the :* covers its versions and aliases only (CDK grantInvoke).',
      },
      {
        finding: /:execute-api:[^/]+\/\*\/POST\/sessions\/\*\/task-activity$/,
        reason: 'A task reports activity for its own session, whose id is known only at runtime; the api function checks the caller is that session\'s task (README "How a task authenticates").',
      },
      {
        finding: /:schedule\/[^/]+\/ws-\*$/,
        reason: 'Workspace schedules get runtime names ws-<workspace id>-<n>; access is limited to those names in this stack\'s own schedule group (README "Workspaces").',
      },
      {
        finding: /:ec2:<AWS::Region>:(<AWS::AccountId>)?:(volume|snapshot)\/\*$/,
        reason: 'Workspace volumes and snapshots get runtime ids; every EC2 call on them is conditioned on the stack\'s tag (aws:ResourceTag, and aws:RequestTag for a snapshot being made), README "Workspaces".',
      },
      {
        finding: /:task-definition\/[^:]+:\*$/,
        reason: 'A configured task definition given by family runs its latest revision; RunTask stays scoped to that family and this cluster.',
      },
    ]);
    const dlq = 'Invoked synchronously by API Gateway: a failed request is answered with an error to its caller, so there is nothing to dead-letter.';
    Validations.of(this.functions.api).acknowledge({ id: 'Serverless-LambdaDLQ', reason: dlq });
    for (const fn of [this.functions.expire, this.functions.sweep, this.functions.taskEvent]) {
      Validations.of(fn).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason: 'Async failures go to an SQS on-failure destination (EventInvokeConfig), which records more context than the legacy function DLQ.',
      });
    }
    Validations.of(this.functions.starter).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'Invoked synchronously by its SQS event source mapping: a start request that keeps failing goes to the start queue\'s dead-letter queue (redrive policy), which is alarmed.',
    });
  }
}
