// Least privilege and failure handling of the stateless stack: who may do what (and only under which
// conditions), where failed events end up, and how the three expiry layers are wired.
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PolicyStatementJson,
  type SynthesizedApp,
  actionsOf,
  allStatements,
  rawConfig,
  resourceListOf,
  resourcesOf,
  statementsOfRole,
  synthApp,
  workspaceConfig,
} from '../../support/synth-app';

describe('StatelessStack', () => {
  let synth: SynthesizedApp;

  beforeAll(() => {
    // The demo profile alone: one task definition, one profile parameter.
    synth = synthApp({ ...rawConfig(), profiles: { demo: rawConfig().profiles['demo'] } });
  });
  afterAll(() => synth?.cleanup());

  const template = () => synth.statelessTemplate;
  /** The profile parameters: those under the path the functions read (the agent's bundle parts have none). */
  const profileParameters = () =>
    Object.entries(resourcesOf(template(), 'AWS::SSM::Parameter')).filter(([, p]) => {
      const name = p.Properties?.['Name'];
      return typeof name === 'string' && name.startsWith('/SessionExpiryStateless/profiles/');
    });
  const logicalIdOf = (construct: { node: { defaultChild?: unknown } }) =>
    synth.stateless.getLogicalId(construct.node.defaultChild as Parameters<typeof synth.stateless.getLogicalId>[0]);
  const roleOf = (fn: { role?: { node: { defaultChild?: unknown } } }) => logicalIdOf(fn.role as { node: { defaultChild?: unknown } });
  const statementsOf = (fn: Parameters<typeof roleOf>[0]) => statementsOfRole(template(), roleOf(fn));
  const withAction = (statements: PolicyStatementJson[], action: string) => statements.filter((s) => actionsOf(s).includes(action));
  const clusterArn = () => ({ 'Fn::GetAtt': [logicalIdOf(synth.stateless.cluster.node.findChild('Cluster')), 'Arn'] });

  it('synthesizes the same templates again: no value depends on how many tokens the app made before (PROFILES_DIGEST had hashed one)', () => {
    const again = synthApp({ ...rawConfig(), profiles: { demo: rawConfig().profiles['demo'] } });
    try {
      expect(again.statelessTemplate.toJSON()).toEqual(template().toJSON());
      expect(again.statefulTemplate.toJSON()).toEqual(synth.statefulTemplate.toJSON());
    } finally {
      again.cleanup();
    }
  });

  describe('IAM', () => {
    it('never allows the action "*" or a service-wide wildcard', () => {
      for (const statement of allStatements(template())) {
        for (const action of actionsOf(statement)) expect(action).not.toMatch(/(^\*$)|(:\*$)/);
      }
    });

    it('never allows Scheduler, PassRole or DynamoDB actions on every resource', () => {
      for (const statement of allStatements(template())) {
        const sensitive = actionsOf(statement).some((a) => /^(scheduler|iam|dynamodb|ecs:(RunTask|StopTask|TagResource)):?/.test(a));
        if (sensitive) expect(resourceListOf(statement)).not.toContain('*');
      }
    });

    it('lets the scheduler role invoke the expire function and nothing else (plus its own DLQ)', () => {
      const statements = statementsOfRole(template(), logicalIdOf(synth.stateless.scheduling.schedulerRole));
      expect(statements.map((s) => actionsOf(s))).toEqual([['lambda:InvokeFunction'], ['sqs:SendMessage']]);
      const [invoke, send] = statements;
      expect(JSON.stringify(invoke?.Resource)).toContain(':function:SessionExpiryStateless-expire"');
      expect(send?.Resource).toEqual({ 'Fn::GetAtt': [logicalIdOf(synth.stateless.scheduling.deadLetterQueue), 'Arn'] });
      expect(synth.stateless.functions.expire.functionName).toBeDefined();
      template().hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'SessionExpiryStateless-expire' });
    });

    it('lets only EventBridge Scheduler of this account, for the session group, assume the scheduler role', () => {
      template().hasResourceProperties('AWS::IAM::Role', {
        RoleName: Match.absent(),
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Action: 'sts:AssumeRole',
              Effect: 'Allow',
              Principal: { Service: 'scheduler.amazonaws.com' },
              Condition: {
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
                ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalIdOf(synth.stateless.scheduling.group), 'Arn'] } },
              },
            },
          ],
        },
      });
    });

    it('lets only api and expire arm schedules, in the session group, passing only the scheduler role, to Scheduler', () => {
      const groupName = synth.stateless.scheduling.group.scheduleGroupName;
      const { api, expire, sweep, taskEvent } = synth.stateless.functions;
      for (const fn of Object.values(synth.stateless.functions)) {
        const scheduling = statementsOf(fn).filter((s) => actionsOf(s).some((a) => a.startsWith('scheduler:')));
        expect(scheduling).toHaveLength(1);
        expect(JSON.stringify(scheduling[0]?.Resource)).toContain(`:schedule/${groupName}/*`);
      }
      for (const fn of [api, expire]) {
        const statements = statementsOf(fn);
        expect(actionsOf(withAction(statements, 'scheduler:CreateSchedule')[0] ?? { Effect: '', Action: [], Resource: [] }).sort()).toEqual([
          'scheduler:CreateSchedule',
          'scheduler:DeleteSchedule',
        ]);
        const passRole = withAction(statements, 'iam:PassRole').filter((s) => JSON.stringify(s.Condition).includes('scheduler.amazonaws.com'));
        expect(passRole).toHaveLength(1);
        expect(passRole[0]?.Resource).toEqual({ 'Fn::GetAtt': [logicalIdOf(synth.stateless.scheduling.schedulerRole), 'Arn'] });
        expect(passRole[0]?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
      }
      for (const fn of [sweep, taskEvent]) {
        expect(withAction(statementsOf(fn), 'scheduler:CreateSchedule')).toEqual([]);
        expect(withAction(statementsOf(fn), 'iam:PassRole')).toEqual([]);
      }
    });

    it('scopes ECS control to the session cluster with the ecs:cluster condition, and gives task-event none', () => {
      const { api, expire, sweep, taskEvent } = synth.stateless.functions;
      const expected = new Map([
        [api, ['ecs:StopTask', 'ecs:DescribeTasks', 'ecs:ListTasks']],
        [expire, ['ecs:StopTask']],
        [sweep, ['ecs:StopTask', 'ecs:DescribeTasks', 'ecs:ListTasks']],
      ]);
      for (const [fn, actions] of expected) {
        const statements = statementsOf(fn);
        for (const action of actions) {
          const found = withAction(statements, action);
          expect(found, action).toHaveLength(1);
          expect(found[0]?.Condition).toEqual({ ArnEquals: { 'ecs:cluster': clusterArn() } });
        }
      }
      expect(withAction(statementsOf(expire), 'ecs:ListTasks')).toEqual([]);
      expect(statementsOf(taskEvent).filter((s) => actionsOf(s).some((a) => a.startsWith('ecs:')))).toEqual([]);
    });

    it('lets only the starter function start tasks: RunTask on our task definitions in our cluster, tags at launch, roles to ECS', () => {
      const { api, expire, sweep, taskEvent, starter } = synth.stateless.functions;
      const apiStatements = statementsOf(starter);
      const [runTask] = withAction(apiStatements, 'ecs:RunTask');
      expect(runTask?.Condition).toEqual({ ArnEquals: { 'ecs:cluster': clusterArn() } });
      expect(resourceListOf(runTask)).toEqual([{ Ref: expect.stringMatching(/^TasksDemoTaskDefinition/) as unknown }]);
      const [tag] = withAction(apiStatements, 'ecs:TagResource');
      expect(tag?.Condition).toEqual({ StringEquals: { 'ecs:CreateAction': 'RunTask' } });
      const [passTaskRoles] = withAction(apiStatements, 'iam:PassRole').filter((s) => JSON.stringify(s.Condition).includes('ecs-tasks'));
      expect(passTaskRoles?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
      expect(JSON.stringify(passTaskRoles?.Resource)).toMatch(/TaskRole.*|ExecutionRole.*/);
      expect(resourceListOf(passTaskRoles)).toHaveLength(2);
      for (const fn of [api, expire, sweep, taskEvent]) {
        expect(withAction(statementsOf(fn), 'ecs:RunTask')).toEqual([]);
        expect(withAction(statementsOf(fn), 'ecs:TagResource')).toEqual([]);
        expect(withAction(statementsOf(fn), 'iam:PassRole').filter((s) => JSON.stringify(s.Condition).includes('ecs-tasks'))).toEqual([]);
      }
    });

    it('lets the api and the starter send to the start queue, and only the starter receive from it', () => {
      const { api, expire, sweep, taskEvent, starter } = synth.stateless.functions;
      const queue = { 'Fn::GetAtt': [logicalIdOf(synth.stateless.startQueue.queue), 'Arn'] };
      const onQueue = (fn: Parameters<typeof statementsOf>[0]) => statementsOf(fn).filter((st) => JSON.stringify(st.Resource) === JSON.stringify(queue));
      expect(onQueue(api).flatMap(actionsOf)).toEqual(['sqs:SendMessage']);
      expect(onQueue(starter).flatMap(actionsOf).sort()).toEqual(['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:SendMessage']);
      for (const fn of [expire, sweep, taskEvent]) expect(onQueue(fn)).toEqual([]);
      // SqsEventSource would add sqs:GetQueueUrl, which the starter never calls.
      expect(statementsOf(starter).flatMap(actionsOf)).not.toContain('sqs:GetQueueUrl');
    });

    it('grants item access on the tables and Query on their named indexes only', () => {
      for (const fn of Object.values(synth.stateless.functions)) {
        const statements = statementsOf(fn);
        const [items] = withAction(statements, 'dynamodb:UpdateItem');
        expect(JSON.stringify(items?.Resource)).not.toContain('/index/');
        for (const query of withAction(statements, 'dynamodb:Query')) {
          expect(actionsOf(query)).toEqual(['dynamodb:Query']);
          for (const resource of resourceListOf(query)) expect(JSON.stringify(resource)).toMatch(/\/index\/(byOwner|byDeadline)"/);
        }
      }
      const { api, sweep } = synth.stateless.functions;
      expect(JSON.stringify(withAction(statementsOf(api), 'dynamodb:Query').map((s) => s.Resource))).toContain('/index/byOwner');
      expect(JSON.stringify(withAction(statementsOf(sweep), 'dynamodb:Query').map((s) => s.Resource))).not.toContain('/index/byOwner');
    });

    it('lets every function write the idempotency table, where an ended session gives its owner slot back', () => {
      for (const fn of Object.values(synth.stateless.functions)) {
        const writable = JSON.stringify(withAction(statementsOf(fn), 'dynamodb:DeleteItem').map((s) => s.Resource));
        expect(writable).toMatch(/GetAttIdempotency\w*Arn/);
      }
    });

    it('lets functions put events on the domain bus only', () => {
      const busArn = { 'Fn::GetAtt': [logicalIdOf(synth.stateless.eventBus), 'Arn'] };
      for (const fn of Object.values(synth.stateless.functions)) {
        expect(withAction(statementsOf(fn), 'events:PutEvents').map((s) => s.Resource)).toEqual([busArn]);
      }
    });
  });

  describe('failure handling', () => {
    it('makes every queue but the start queue a dead-letter queue, and every queue encrypted and refusing plain HTTP', () => {
      const queues = resourcesOf(template(), 'AWS::SQS::Queue');
      const startQueue = logicalIdOf(synth.stateless.startQueue.queue);
      expect(Object.keys(queues).length).toBeGreaterThanOrEqual(6);
      for (const [id, queue] of Object.entries(queues)) {
        expect(queue.Properties?.['SqsManagedSseEnabled'], id).toBe(true);
        if (id !== startQueue) expect(queue.Properties?.['MessageRetentionPeriod'], id).toBe(14 * 24 * 3600);
        template().hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
    });

    it('starts queued sessions through one event source mapping: batches of 5, partial failures, starterConcurrency at once, dead-lettered after 5 receives', () => {
      const { starter } = synth.stateless.functions;
      const queue = resourcesOf(template(), 'AWS::SQS::Queue')[logicalIdOf(synth.stateless.startQueue.queue)];
      expect(queue?.Properties?.['RedrivePolicy']).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(synth.stateless.startQueue.deadLetterQueue), 'Arn'] },
        maxReceiveCount: 5,
      });
      const starterTimeout = Number(resourcesOf(template(), 'AWS::Lambda::Function')[logicalIdOf(starter)]?.Properties?.['Timeout']);
      expect(queue?.Properties?.['VisibilityTimeout']).toBe(6 * starterTimeout);
      const mappings = Object.values(resourcesOf(template(), 'AWS::Lambda::EventSourceMapping'));
      expect(mappings.map((m) => m.Properties)).toEqual([
        {
          FunctionName: { Ref: logicalIdOf(starter) },
          EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(synth.stateless.startQueue.queue), 'Arn'] },
          BatchSize: 5,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ScalingConfig: { MaximumConcurrency: 5 },
        },
      ]);
    });

    it('takes the starters\' concurrency from starterConcurrency, and refuses one SQS does not allow', () => {
      const other = synthApp({ ...rawConfig(), starterConcurrency: 3 });
      try {
        expect(Object.values(resourcesOf(other.statelessTemplate, 'AWS::Lambda::EventSourceMapping'))[0]?.Properties?.['ScalingConfig']).toEqual({ MaximumConcurrency: 3 });
      } finally {
        other.cleanup();
      }
      expect(() => synthApp({ ...rawConfig(), starterConcurrency: 1 })).toThrow(/sessionExpiry\.starterConcurrency/);
    });

    it('retries async invocations of expire, sweep and task-event twice, then sends them to an SQS destination', () => {
      const configs = Object.values(resourcesOf(template(), 'AWS::Lambda::EventInvokeConfig'));
      expect(configs).toHaveLength(3);
      for (const config of configs) {
        expect(config.Properties?.['MaximumRetryAttempts']).toBe(2);
        expect(config.Properties?.['MaximumEventAgeInSeconds']).toBeGreaterThanOrEqual(60);
        const destination = JSON.stringify(config.Properties?.['DestinationConfig']);
        expect(destination).toMatch(/"OnFailure":\{"Destination":\{"Fn::GetAtt":\["\w+Failures\w+","Arn"\]\}\}/);
      }
      const functionNames = configs.map((c) => JSON.stringify(c.Properties?.['FunctionName']));
      for (const fn of ['ExpireFunction', 'SweepFunction', 'TaskEventFunction']) expect(functionNames.join()).toContain(fn);
    });
  });

  describe('the three expiry layers', () => {
    it('has a schedule group for session schedules', () => {
      template().resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    });

    it('sweeps on the configured interval, outside the session group, with retries and the schedule DLQ', () => {
      template().hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: `rate(${String(rawConfig()['sweepIntervalMinutes'])} minutes)`,
        GroupName: Match.absent(),
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: { 'Fn::GetAtt': [logicalIdOf(synth.stateless.functions.sweep), 'Arn'] },
          Input: '{"dryRun":false}',
          RetryPolicy: { MaximumRetryAttempts: 2 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(synth.stateless.scheduling.deadLetterQueue), 'Arn'] } },
        },
      });
    });

    it('sends state changes of our tasks in our cluster to the task-event function, with retries and a DLQ', () => {
      template().hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.ecs'],
          'detail-type': ['ECS Task State Change'],
          detail: {
            clusterArn: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^TasksCluster'), 'Arn'] }],
            startedBy: [synth.stateless.cluster.taskMarker],
            lastStatus: ['RUNNING', 'STOPPED'],
          },
        },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [logicalIdOf(synth.stateless.functions.taskEvent), 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('TaskEventDlq'), 'Arn'] } },
            RetryPolicy: Match.objectLike({ MaximumRetryAttempts: Match.anyValue() }),
          }),
        ],
      });
    });
  });

  describe('ECS', () => {
    it('makes a cluster with enhanced Container Insights', () => {
      template().hasResourceProperties('AWS::ECS::Cluster', {
        ClusterSettings: [{ Name: 'containerInsights', Value: 'enhanced' }],
      });
    });

    it('makes a two-AZ VPC with public subnets only and no NAT gateway (no idle cost), with flow logs', () => {
      template().resourceCountIs('AWS::EC2::NatGateway', 0);
      template().resourceCountIs('AWS::EC2::Subnet', 2);
      // Tasks get their public IP from RunTask (TASK_ASSIGN_PUBLIC_IP), not from the subnet.
      template().allResourcesProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false });
      template().resourceCountIs('AWS::EC2::FlowLog', 1);
      for (const fn of Object.values(resourcesOf(template(), 'AWS::Lambda::Function'))) {
        const env = (fn.Properties?.['Environment'] as { Variables: Record<string, unknown> }).Variables;
        expect(env['TASK_ASSIGN_PUBLIC_IP']).toBe('true');
      }
    });

    it('lets session tasks make outbound HTTPS only, and accept nothing inbound', () => {
      template().hasResourceProperties('AWS::EC2::SecurityGroup', {
        SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() }],
        SecurityGroupIngress: Match.absent(),
      });
    });

    it('makes the demo profile task definition from its image, sizes and stop timeout, non-root, logging with retention', () => {
      const demo = rawConfig().profiles['demo'] ?? {};
      template().hasResourceProperties('AWS::ECS::TaskDefinition', {
        Cpu: String(demo['cpu']),
        Memory: String(demo['memoryMiB']),
        RequiresCompatibilities: ['FARGATE'],
        NetworkMode: 'awsvpc',
        ContainerDefinitions: Match.arrayWith([
          Match.objectLike({
            Name: 'session',
            Image: demo['image'],
            Command: demo['command'],
            StopTimeout: demo['stopTimeoutSeconds'],
            Essential: true,
            // A memory hard limit, and a non-root uid:gid.
            Memory: demo['memoryMiB'],
            User: Match.stringLikeRegexp('^[1-9][0-9]*:[1-9][0-9]*$'),
            LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
          }),
        ]),
      });
      const groups = Object.values(resourcesOf(template(), 'AWS::Logs::LogGroup'));
      for (const group of groups) expect(group.Properties?.['RetentionInDays']).toBe(rawConfig()['logRetentionDays']);
    });

    it('writes each profile, with the task definition and container it runs, to a parameter under the path the functions are given', () => {
      const parameters = profileParameters().map(([, p]) => p);
      expect(parameters.map((p) => p.Properties?.['Name'])).toEqual(['/SessionExpiryStateless/profiles/demo']);
      const value = JSON.stringify(parameters[0]?.Properties?.['Value']);
      expect(value).toContain('\\"containerName\\":\\"session\\"');
      expect(value).toMatch(/taskDefinitionArn.*TasksDemoTaskDefinition/);
      expect(value).not.toContain('\\"local\\"');
      expect(parameters[0]?.Properties).toMatchObject({ Type: 'String', Tier: 'Standard' });
      template().allResourcesProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ PROFILES_PARAMETER_PATH: '/SessionExpiryStateless/profiles', PROFILES_DIGEST: Match.stringLikeRegexp('^[0-9a-f]{16}$') }) },
      });
    });

    it('deploys every function after the profile parameters, so a new environment never reads the ones being replaced', () => {
      const parameterIds = profileParameters().map(([id]) => id);
      for (const fn of Object.values(resourcesOf(template(), 'AWS::Lambda::Function'))) {
        expect(fn['DependsOn']).toEqual(expect.arrayContaining(parameterIds));
      }
    });

    it('lets only the api and the starter read the profiles, on the parameter path alone', () => {
      const path = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':parameter/SessionExpiryStateless/profiles']] };
      const { api, expire, sweep, taskEvent, starter } = synth.stateless.functions;
      for (const fn of [api, starter]) expect(withAction(statementsOf(fn), 'ssm:GetParametersByPath')).toEqual([expect.objectContaining({ Effect: 'Allow', Resource: path })]);
      for (const fn of [expire, sweep, taskEvent]) expect(withAction(statementsOf(fn), 'ssm:GetParametersByPath')).toEqual([]);
      // Besides: ECS reading the session agent's bundle into its sidecar (the execution role, those parameters only).
      const agentBundle = (s: PolicyStatementJson) => resourceListOf(s).every((r) => JSON.stringify(r).includes('SessionAgentBundle'));
      const ssmActions = allStatements(template())
        .filter((s) => !agentBundle(s))
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('ssm:'));
      expect(ssmActions).toEqual(['ssm:GetParametersByPath', 'ssm:GetParametersByPath']);
    });
  });

  describe('domain events and outputs', () => {
    it('has its own event bus, named in EVENT_BUS_NAME', () => {
      template().resourceCountIs('AWS::Events::EventBus', 1);
      template().allResourcesProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ EVENT_BUS_NAME: { Ref: logicalIdOf(synth.stateless.eventBus) } }) },
      });
    });

    it('outputs the API URL, the user pool and client and the dashboard URL', () => {
      expect(Object.keys(template().findOutputs('*'))).toEqual(expect.arrayContaining(['ApiUrl', 'UserPoolId', 'UserPoolClientId', 'DashboardUrl']));
    });
  });
});

describe('StatelessStack with a workspace profile (README "Workspaces")', () => {
  let synth: SynthesizedApp;
  let plain: SynthesizedApp;
  beforeAll(() => {
    synth = synthApp(workspaceConfig());
    plain = synthApp({ ...rawConfig(), profiles: { demo: rawConfig().profiles['demo'] } });
  });
  afterAll(() => {
    synth?.cleanup();
    plain?.cleanup();
  });

  const template = () => synth.statelessTemplate;
  const logicalIdOf = (construct: { node: { defaultChild?: unknown } }) =>
    synth.stateless.getLogicalId(construct.node.defaultChild as Parameters<typeof synth.stateless.getLogicalId>[0]);
  const volumesRole = () => ({ 'Fn::GetAtt': [logicalIdOf(synth.stateless.cluster.volumesRole as { node: { defaultChild?: unknown } }), 'Arn'] });
  const statementsOf = (fn: { role?: unknown }) => statementsOfRole(template(), logicalIdOf(fn.role as { node: { defaultChild?: unknown } }));

  it('tells every function the infrastructure role, which only the starter may pass, to ECS only', () => {
    template().allResourcesProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ WORKSPACE_VOLUMES_ROLE_ARN: volumesRole() }) } });
    const passes = (fn: { role?: unknown }) =>
      statementsOf(fn).filter((s) => actionsOf(s).includes('iam:PassRole') && JSON.stringify(resourceListOf(s)).includes(JSON.stringify(volumesRole())));
    expect(passes(synth.stateless.functions.starter).map((s) => s.Condition)).toEqual([{ StringEquals: { 'iam:PassedToService': 'ecs.amazonaws.com' } }]);
    for (const name of ['api', 'expire', 'sweep', 'taskEvent'] as const) expect(passes(synth.stateless.functions[name]), name).toEqual([]);
  });

  it("alarms on the workspace volume's filesystem at the disk thresholds (Container Insights EBS metrics), none without workspaces", () => {
    const alarms = Object.values(resourcesOf(template(), 'AWS::CloudWatch::Alarm')).filter((a) =>
      String(a.Properties?.['AlarmDescription']).startsWith('The demo workspace volume utilisation'),
    );
    expect(alarms.map((a) => a.Properties?.['Threshold']).sort()).toEqual([80, 90]);
    const metrics = JSON.stringify(alarms[0]?.Properties?.['Metrics']);
    for (const part of ['EBSFilesystemUtilized', 'EBSFilesystemSize', 'ECS/ContainerInsights', 'TaskDefinitionFamily', 'VolumeName']) expect(metrics).toContain(part);
    const plainAlarms = Object.values(resourcesOf(plain.statelessTemplate, 'AWS::CloudWatch::Alarm'));
    expect(plainAlarms.filter((a) => String(a.Properties?.['AlarmDescription']).includes('workspace volume'))).toEqual([]);
  });

  it('routes finished createSnapshot calls from the default bus to the task-event function', () => {
    const taskEvent = logicalIdOf(synth.stateless.functions.taskEvent);
    template().hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.ec2'], 'detail-type': ['EBS Snapshot Notification'], detail: { event: ['createSnapshot'], result: ['succeeded', 'failed'] } },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [taskEvent, 'Arn'] }, DeadLetterConfig: Match.anyValue() })],
    });
  });

  it('scopes every EC2 call on a volume or snapshot by the stack tag, and only Describe calls take *', () => {
    const ec2 = allStatements(template()).filter((s) => actionsOf(s).some((a) => a.startsWith('ec2:')));
    expect(ec2.length).toBeGreaterThan(0);
    for (const statement of ec2) {
      if (actionsOf(statement).filter((a) => a.startsWith('ec2:')).every((a) => a.startsWith('ec2:Describe'))) {
        expect(resourceListOf(statement)).toEqual(['*']);
        continue;
      }
      expect(JSON.stringify(statement.Condition), JSON.stringify(statement)).toMatch(/aws:(Resource|Request)Tag\/session-expiry-stack/);
    }
  });

  it('without a workspace: no infrastructure role, no snapshot rule, no EC2 grant', () => {
    const json = JSON.stringify(plain.statelessTemplate.toJSON());
    expect(json).not.toContain('WORKSPACE_VOLUMES_ROLE_ARN');
    expect(json).not.toContain('EBS Snapshot Notification');
    expect(allStatements(plain.statelessTemplate).flatMap(actionsOf).filter((a) => a.startsWith('ec2:'))).toEqual([]);
  });
});
