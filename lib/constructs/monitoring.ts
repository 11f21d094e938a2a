// Alarms (thresholds from config) that all notify one SNS topic, and the operator dashboard. Custom
// metrics are the EMF metrics the functions write (contract/observability.ts): the contract's
// namespace and metric names, default dimension `service`, plus one low-cardinality
// dimension on a few of them.
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  SingleValueWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { topicKey } from './topic-key';
import { type IFunction } from 'aws-cdk-lib/aws-lambda';
import { type IScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { type IQueue } from 'aws-cdk-lib/aws-sqs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { type AppConfig } from '../../contract/app-config';
import { ACTIVITY_ROUTE_KEYS } from '../../contract/api-routes';
import { METRICS_NAMESPACE, type MetricDimension, type MetricName, SERVICE_DIMENSION } from '../../contract/observability';
import { ACTIVITY_LEVELS, END_REASONS, SWEEP_KINDS } from '../../contract/vocabulary';
import { DeadLetterQueue } from './dead-letter-queue';
import { type SessionApi } from './session-api';

const CONTAINER_INSIGHTS = 'ECS/ContainerInsights';
const CLUSTER_RESOURCE_LABELS = { Cpu: 'CPU', Memory: 'memory', EphemeralStorage: 'ephemeral storage' } as const;

/**
 * Below this many requests in five minutes an activity route's 4xx share is not judged: a handful of
 * sessions whose tasks report once more after their session ended (409) would be a large share of
 * almost nothing. 100 requests is one report every 3 s.
 */
const MIN_ACTIVITY_REQUESTS = 100;

/** The alarm id of an activity route: `ActivityRoute` or `TaskActivityRoute`. */
const activityAlarmName = (routeKey: string): string =>
  (routeKey.split('/').pop() ?? '')
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('') + 'Route';

/**
 * A filesystem watched beside the tasks' ephemeral storage, with the same disk thresholds: the hook
 * for a workspace volume (e.g. `ebsFilesystemPercent` of its profile's family), which whoever makes
 * the volume passes in.
 */
export interface WatchedDisk {
  /** Alarm id prefix: the alarms are `<id>Warning` and `<id>Critical`. */
  id: string;
  /** What the disk is, in the alarm descriptions. */
  label: string;
  /** How full it is, in percent; graphed on the dashboard under its own label. */
  percent: IMetric;
}

/**
 * How full the ECS-managed EBS volume `volumeName` of a task definition family's tasks is, from
 * Container Insights (`EBSFilesystemUtilized` / `EBSFilesystemSize`, GB, Fargate platform 1.4.0+),
 * in percent: a WatchedDisk's `percent` for a workspace volume.
 */
export const ebsFilesystemPercent = (clusterName: string, taskDefinitionFamily: string, volumeName: string): MathExpression => {
  const metric = (metricName: string) =>
    new Metric({
      namespace: CONTAINER_INSIGHTS,
      metricName,
      dimensionsMap: { ClusterName: clusterName, TaskDefinitionFamily: taskDefinitionFamily, VolumeName: volumeName },
      statistic: 'Average',
    });
  return new MathExpression({
    expression: '100 * used / size',
    usingMetrics: { used: metric('EBSFilesystemUtilized'), size: metric('EBSFilesystemSize') },
    period: Duration.minutes(5),
    label: `${volumeName} of ${taskDefinitionFamily} %`,
  });
};

export interface MonitoringProps {
  config: AppConfig;
  /** The functions' POWERTOOLS_SERVICE_NAME: the `service` dimension of every custom metric. */
  serviceName: string;
  clusterName: string;
  functions: { api: IFunction; expire: IFunction; sweep: IFunction; taskEvent: IFunction; starter: IFunction };
  deadLetterQueues: readonly DeadLetterQueue[];
  /** The start queue (README "Starting at the rate ECS allows"): its age and depth are watched. */
  startQueue: IQueue;
  scheduleGroup: IScheduleGroup;
  api: SessionApi;
  /** Filesystems to alarm on beside the tasks' ephemeral storage (none by default). */
  disks?: readonly WatchedDisk[];
}

export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];
  /** The given dead-letter queues plus the one of the e-mail subscription. */
  readonly deadLetterQueues: DeadLetterQueue[];
  private readonly props: MonitoringProps;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.props = props;
    const { alarms: thresholds } = props.config;
    this.deadLetterQueues = [...props.deadLetterQueues];
    this.topic = this.makeTopic(thresholds.email);

    // Cluster capacity: what running tasks use of what they reserved (Container Insights).
    const cpu = this.clusterPercent('Cpu');
    const memory = this.clusterPercent('Memory');
    this.alarm('ClusterCpuWarning', cpu, thresholds.cpuWarningPercent, 'Cluster CPU utilisation (warning)');
    this.alarm('ClusterCpuCritical', cpu, thresholds.cpuCriticalPercent, 'Cluster CPU utilisation (critical)');
    this.alarm('ClusterMemoryWarning', memory, thresholds.memoryWarningPercent, 'Cluster memory utilisation (warning)');
    this.alarm('ClusterMemoryCritical', memory, thresholds.memoryCriticalPercent, 'Cluster memory utilisation (critical)');
    // Disk: the tasks' ephemeral storage (Fargate platform 1.4.0+), then any watched volume.
    const disks: WatchedDisk[] = [
      { id: 'ClusterDisk', label: 'Cluster ephemeral storage', percent: this.clusterPercent('EphemeralStorage') },
      ...(props.disks ?? []),
    ];
    for (const disk of disks) {
      this.alarm(`${disk.id}Warning`, disk.percent, thresholds.diskWarningPercent, `${disk.label} utilisation (warning)`);
      this.alarm(`${disk.id}Critical`, disk.percent, thresholds.diskCriticalPercent, `${disk.label} utilisation (critical)`);
    }

    // Gauges emitted by every sweep.
    const liveSessionsThreshold = Math.floor((thresholds.liveSessionsCapacity * thresholds.liveSessionsWarningPercent) / 100);
    this.alarm('LiveSessionsNearCapacity', this.custom('LiveSessions', 'Maximum'), liveSessionsThreshold, 'Live sessions near the sized capacity', {
      comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    // Missing data is breaching here: the sweep reports this gauge every run, so silence means the
    // safety net itself stopped. Two sweep intervals per period, so schedule jitter never leaves a
    // period empty.
    const overduePeriod = Duration.minutes(Math.max(2 * props.config.sweepIntervalMinutes, 5));
    this.alarm('OverdueSessions', this.custom('OverdueSessions', 'Maximum', overduePeriod), 0, 'Sessions past their deadline found by the sweep, or the sweep not reporting', {
      missing: TreatMissingData.BREACHING,
      evaluationPeriods: 1,
    });

    for (const queue of this.deadLetterQueues) {
      this.alarm(`${queue.node.id}Messages`, queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(5) }), 0, `Dead letters: ${queue.purpose}`, { evaluationPeriods: 1 });
    }

    // Starts waiting longer than half the start timeout: the queue drains slower than creates arrive
    // (ECS throttling, a starter failing), and sessions are about to end start_failed.
    const startWaitSeconds = Math.floor(props.config.startTimeoutSeconds / 2);
    this.alarm(
      'StartQueueAge',
      props.startQueue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: Duration.minutes(1) }),
      startWaitSeconds,
      `Oldest queued session start older than ${startWaitSeconds} s (half of startTimeoutSeconds)`,
      { evaluationPeriods: 3, datapointsToAlarm: 2 },
    );

    const { expire, sweep, taskEvent, starter } = props.functions;
    for (const [name, fn] of [['Expire', expire], ['Sweep', sweep], ['TaskEvent', taskEvent], ['Starter', starter]] as const) {
      this.alarm(`${name}Errors`, fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), 0, `${name} function errors`, { evaluationPeriods: 1 });
      this.alarm(`${name}Throttles`, fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }), 0, `${name} function throttles`, { evaluationPeriods: 1 });
    }

    const group = props.scheduleGroup;
    this.alarm('SchedulerDropped', group.metricDropped({ period: Duration.minutes(5), statistic: 'Sum' }), 0, 'Scheduler gave up invoking the expire function', { evaluationPeriods: 1 });
    this.alarm('SchedulerTargetErrors', group.metricTargetErrors({ period: Duration.minutes(5), statistic: 'Sum' }), 0, 'Scheduler got errors invoking the expire function', { evaluationPeriods: 1 });

    const api5xxRate = new MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: {
        errors: props.api.httpApi.metricServerError({ statistic: 'Sum' }),
        requests: props.api.httpApi.metricCount({ statistic: 'Sum' }),
      },
      period: Duration.minutes(5),
      label: 'API 5xx %',
    });
    this.alarm('Api5xxRate', api5xxRate, thresholds.api5xxRatePercent, 'API 5xx responses (% of requests)', { evaluationPeriods: 3, datapointsToAlarm: 2 });

    // A throttled heartbeat never moves lastActivityAt, so sessions in use end idle: any one counts.
    this.alarm('ApiThrottled', props.api.throttledRequests, 0, 'Requests API Gateway throttled (429), on any route', { evaluationPeriods: 1 });
    // Per activity route (detailed metrics): 4xx covers throttling (429), anonymous or wrong callers
    // (401, 403, 404) and reports for ended sessions (409).
    const activity4xxRates = ACTIVITY_ROUTE_KEYS.map((routeKey, i) => {
      // Ids unique per route: the dashboard graphs both expressions together.
      const [errors, requests] = [`errors${i}`, `requests${i}`];
      const rate = new MathExpression({
        expression: `IF(${requests} >= ${MIN_ACTIVITY_REQUESTS}, 100 * ${errors} / ${requests}, 0)`,
        usingMetrics: { [errors]: props.api.metricRoute('4xx', routeKey), [requests]: props.api.metricRoute('Count', routeKey) },
        period: Duration.minutes(5),
        label: `${routeKey} 4xx %`,
      });
      this.alarm(`${activityAlarmName(routeKey)}4xxRate`, rate, thresholds.activity4xxRatePercent, `4xx responses on ${routeKey} (% of its requests)`, {
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      });
      return rate;
    });

    this.dashboard = this.makeDashboard([cpu, memory, ...disks.map((d) => d.percent)], api5xxRate, activity4xxRates);
  }

  /** Alarm topic: TLS only, encrypted with a key CloudWatch may use (the AWS-managed SNS key cannot be). */
  private makeTopic(email: string | undefined): Topic {
    const key = topicKey(this, 'AlarmTopicKey', 'Encrypts the session-expiry alarm topic', new ServicePrincipal('cloudwatch.amazonaws.com'));
    const topic = new Topic(this, 'AlarmTopic', { displayName: 'session-expiry alarms', enforceSSL: true, masterKey: key });
    if (email !== undefined) {
      const deadLetterQueue = new DeadLetterQueue(this, 'AlarmEmailDlq', 'alarm e-mails SNS could not deliver');
      this.deadLetterQueues.push(deadLetterQueue);
      topic.addSubscription(new EmailSubscription(email, { deadLetterQueue }));
    }
    return topic;
  }

  private alarm(
    id: string,
    metric: IMetric,
    threshold: number,
    description: string,
    options: {
      comparison?: ComparisonOperator;
      missing?: TreatMissingData;
      evaluationPeriods?: number;
      datapointsToAlarm?: number;
    } = {},
  ): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      alarmDescription: description,
      comparisonOperator: options.comparison ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods ?? 3,
      datapointsToAlarm: options.datapointsToAlarm ?? options.evaluationPeriods ?? 3,
      // No data means nothing happened (no tasks, no errors, empty queues) unless a caller says otherwise.
      treatMissingData: options.missing ?? TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    alarm.addOkAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }

  /** A metric the functions emit: only the contract's names and dimensions. */
  private custom(
    metricName: MetricName,
    statistic: string,
    period = Duration.minutes(5),
    dimensions: Partial<Record<MetricDimension, string>> = {},
  ): Metric {
    return new Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { [SERVICE_DIMENSION]: this.props.serviceName, ...dimensions },
      statistic,
      period,
    });
  }

  /** `100 * <Kind>Utilized / <Kind>Reserved` over the cluster, in percent. */
  private clusterPercent(kind: 'Cpu' | 'Memory' | 'EphemeralStorage'): MathExpression {
    const metric = (name: string) =>
      new Metric({ namespace: CONTAINER_INSIGHTS, metricName: name, dimensionsMap: { ClusterName: this.props.clusterName }, statistic: 'Average' });
    // Metric math ids start with a lower-case letter.
    const id = kind.charAt(0).toLowerCase() + kind.slice(1);
    return new MathExpression({
      expression: `100 * ${id}Utilized / ${id}Reserved`,
      usingMetrics: { [`${id}Utilized`]: metric(`${kind}Utilized`), [`${id}Reserved`]: metric(`${kind}Reserved`) },
      period: Duration.minutes(5),
      label: `Cluster ${CLUSTER_RESOURCE_LABELS[kind]} %`,
    });
  }

  private makeDashboard(utilisation: readonly IMetric[], api5xxRate: IMetric, activity4xxRates: readonly IMetric[]): Dashboard {
    const dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    const { api, expire, sweep, taskEvent, starter } = this.props.functions;
    const byDimension = (metricName: MetricName, key: MetricDimension, values: readonly string[], statistic: string) =>
      values.map((value) => this.custom(metricName, statistic, Duration.minutes(5), { [key]: value }).with({ label: value }));
    dashboard.addWidgets(
      new SingleValueWidget({
        title: 'Sessions now',
        metrics: [this.custom('LiveSessions', 'Maximum').with({ label: 'live' }), this.custom('OverdueSessions', 'Maximum').with({ label: 'overdue' })],
        width: 6,
      }),
      new GraphWidget({
        title: 'Sessions created / ended / failed to start; warnings sent',
        left: [
          this.custom('SessionsCreated', 'Sum').with({ label: 'created' }),
          this.custom('StartFailures', 'Sum').with({ label: 'start failures' }),
          ...byDimension('SessionsEnded', 'Reason', END_REASONS, 'Sum'),
        ],
        right: [
          this.custom('WarningsSent', 'Sum').with({ label: 'expiry warnings' }),
          this.custom('ResourceWarningsSent', 'Sum').with({ label: 'resource warnings' }),
        ],
        width: 9,
      }),
      new GraphWidget({
        title: 'Live sessions by activity level',
        left: byDimension('SessionsByActivity', 'ActivityLevel', ACTIVITY_LEVELS, 'Maximum'),
        stacked: true,
        width: 9,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Expiry lag (deadline → stop request), ms',
        left: [
          this.custom('ExpiryLagMs', 'p50').with({ label: 'p50' }),
          this.custom('ExpiryLagMs', 'p99').with({ label: 'p99' }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Sessions ended by reason',
        left: byDimension('SessionsEnded', 'Reason', END_REASONS, 'Sum'),
        stacked: true,
        width: 8,
      }),
      new GraphWidget({
        title: 'Sweep: orphans stopped and repairs',
        left: [this.custom('OrphansStopped', 'Sum').with({ label: 'orphans stopped' }), ...byDimension('SweepRepairs', 'Kind', SWEEP_KINDS, 'Sum')],
        right: [this.custom('SweepFailures', 'Sum').with({ label: 'sweep failures' })],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({ title: 'Cluster CPU, memory and disk (% of reserved)', left: [...utilisation], leftYAxis: { min: 0, max: 100 }, width: 8 }),
      new GraphWidget({
        title: 'Function errors',
        left: Object.entries({ api, expire, sweep, 'task-event': taskEvent, starter }).map(([label, fn]) => fn.metricErrors({ statistic: 'Sum', label })),
        right: [api5xxRate],
        width: 8,
      }),
      new GraphWidget({
        title: 'Scheduler and dead letters',
        left: [
          this.props.scheduleGroup.metricDropped({ statistic: 'Sum', label: 'fires dropped' }),
          this.props.scheduleGroup.metricTargetErrors({ statistic: 'Sum', label: 'target errors' }),
        ],
        right: this.deadLetterQueues.map((q) => q.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', label: q.node.id })),
        width: 8,
      }),
    );
    const { startQueue } = this.props;
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Start queue: queued starts and retries',
        left: [
          startQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', label: 'waiting' }),
          startQueue.metricApproximateNumberOfMessagesNotVisible({ statistic: 'Maximum', label: 'being started' }),
          startQueue.metricApproximateNumberOfMessagesDelayed({ statistic: 'Maximum', label: 'delayed (retries)' }),
        ],
        right: [
          this.custom('StartRetries', 'Sum').with({ label: 'throttled, retried' }),
          this.custom('StartTimeouts', 'Sum').with({ label: 'timed out' }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Start queue: age of the oldest start, s',
        left: [startQueue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', label: 'oldest' })],
        leftYAxis: { min: 0 },
        width: 12,
      }),
    );
    const { api: sessionApi } = this.props;
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Activity routes: requests and 4xx',
        left: ACTIVITY_ROUTE_KEYS.flatMap((routeKey) => [
          sessionApi.metricRoute('Count', routeKey, { label: `${routeKey} requests` }),
          sessionApi.metricRoute('4xx', routeKey, { label: `${routeKey} 4xx` }),
        ]),
        right: [sessionApi.throttledRequests.with({ label: 'throttled (429), any route' })],
        width: 12,
      }),
      new GraphWidget({ title: 'Activity routes: 4xx % of requests', left: [...activity4xxRates], leftYAxis: { min: 0 }, width: 12 }),
    );
    dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }));
    return dashboard;
  }
}
