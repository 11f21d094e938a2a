// Alarms an operator relies on: thresholds from config, all notifying the SNS topic, the right
// treatment of missing data, one alarm per dead-letter queue, and the dashboard.
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { parseConfig } from '../../../contract/app-config';
import { Monitoring, ebsFilesystemPercent } from '../../../lib/constructs/monitoring';
import { SessionApi } from '../../../lib/constructs/session-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVITY_LEVELS } from '../../../contract/vocabulary';
import { type SynthesizedApp, rawConfig, resourcesOf, synthApp } from '../../support/synth-app';

interface AlarmProps {
  AlarmDescription: string;
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData: string;
  AlarmActions: unknown[];
  OKActions: unknown[];
  Metrics?: { Expression?: string; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: unknown[] } } }[];
  MetricName?: string;
  Namespace?: string;
  Dimensions?: { Name: string; Value: unknown }[];
}

const alarmsOf = (template: Template): AlarmProps[] =>
  Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties as unknown as AlarmProps);
const alarm = (template: Template, description: string): AlarmProps => {
  const found = alarmsOf(template).find((a) => a.AlarmDescription === description);
  if (!found) throw new Error(`no alarm "${description}"`);
  return found;
};

describe('Monitoring with the default config', () => {
  let synth: SynthesizedApp;
  beforeAll(() => {
    synth = synthApp();
  });
  afterAll(() => synth?.cleanup());
  const template = () => synth.statelessTemplate;

  it('alarms on cluster CPU at 80/90 % and memory at 75/85 % from Container Insights utilised/reserved', () => {
    expect(alarm(template(), 'Cluster CPU utilisation (warning)').Threshold).toBe(80);
    expect(alarm(template(), 'Cluster CPU utilisation (critical)').Threshold).toBe(90);
    expect(alarm(template(), 'Cluster memory utilisation (warning)').Threshold).toBe(75);
    const memory = alarm(template(), 'Cluster memory utilisation (critical)');
    expect(memory.Threshold).toBe(85);
    expect(memory.Metrics?.find((m) => m.Expression)?.Expression).toBe('100 * memoryUtilized / memoryReserved');
    const names = memory.Metrics?.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));
    expect(names?.map((m) => [m.Namespace, m.MetricName])).toEqual([
      ['ECS/ContainerInsights', 'MemoryUtilized'],
      ['ECS/ContainerInsights', 'MemoryReserved'],
    ]);
    expect(JSON.stringify(names?.[0]?.Dimensions)).toContain('"Name":"ClusterName"');
    expect(alarm(template(), 'Cluster CPU utilisation (critical)').Metrics?.find((m) => m.Expression)?.Expression).toBe('100 * cpuUtilized / cpuReserved');
  });

  it('alarms on the ephemeral storage of the cluster\'s tasks at 80/90 %, from Container Insights utilised/reserved', () => {
    expect(alarm(template(), 'Cluster ephemeral storage utilisation (warning)').Threshold).toBe(80);
    const disk = alarm(template(), 'Cluster ephemeral storage utilisation (critical)');
    expect([disk.Threshold, disk.ComparisonOperator, disk.TreatMissingData]).toEqual([90, 'GreaterThanThreshold', 'notBreaching']);
    expect(disk.Metrics?.find((m) => m.Expression)?.Expression).toBe('100 * ephemeralStorageUtilized / ephemeralStorageReserved');
    const metrics = disk.Metrics?.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));
    expect(metrics?.map((m) => [m.Namespace, m.MetricName])).toEqual([
      ['ECS/ContainerInsights', 'EphemeralStorageUtilized'],
      ['ECS/ContainerInsights', 'EphemeralStorageReserved'],
    ]);
    for (const m of metrics ?? []) expect(m.Dimensions).toEqual([{ Name: 'ClusterName', Value: synth.stateless.resolve(synth.stateless.cluster.clusterName) as unknown }]);
  });

  it('alarms on live sessions at the configured share of capacity, on the service dimension Powertools emits', () => {
    const live = alarm(template(), 'Live sessions near the sized capacity');
    expect(live.Threshold).toBe(160);
    expect(live.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    expect([live.Namespace, live.MetricName]).toEqual(['SessionExpiry', 'LiveSessions']);
    expect(live.Dimensions).toEqual([{ Name: 'service', Value: 'session-expiry' }]);
  });

  it('alarms on any overdue session, and treats a silent sweep as breaching', () => {
    const overdue = alarm(template(), 'Sessions past their deadline found by the sweep, or the sweep not reporting');
    expect([overdue.MetricName, overdue.Threshold, overdue.ComparisonOperator]).toEqual(['OverdueSessions', 0, 'GreaterThanThreshold']);
    expect(overdue.TreatMissingData).toBe('breaching');
  });

  it('alarms on the first message in every dead-letter queue, treating no data as fine', () => {
    // Every queue but the start queue (which has a redrive policy, to its own dead-letter queue).
    const queues = Object.entries(resourcesOf(template(), 'AWS::SQS::Queue'))
      .filter(([, queue]) => queue.Properties?.['RedrivePolicy'] === undefined)
      .map(([id]) => id);
    const dlqAlarms = alarmsOf(template()).filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(dlqAlarms.map((a) => (a.Dimensions?.[0]?.Value as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]).sort()).toEqual(queues.sort());
    for (const a of dlqAlarms) expect([a.Threshold, a.ComparisonOperator, a.TreatMissingData]).toEqual([0, 'GreaterThanThreshold', 'notBreaching']);
  });

  it('alarms on errors and throttles of expire and sweep, and on Scheduler drops and target errors of the session group', () => {
    for (const name of ['Expire', 'Sweep']) {
      expect(alarm(template(), `${name} function errors`).MetricName).toBe('Errors');
      expect(alarm(template(), `${name} function throttles`).MetricName).toBe('Throttles');
    }
    const dropped = alarm(template(), 'Scheduler gave up invoking the expire function');
    expect([dropped.Namespace, dropped.MetricName]).toEqual(['AWS/Scheduler', 'InvocationDroppedCount']);
    expect(dropped.Dimensions?.[0]).toEqual({ Name: 'ScheduleGroup', Value: synth.stateless.scheduling.group.scheduleGroupName });
    expect(alarm(template(), 'Scheduler got errors invoking the expire function').MetricName).toBe('TargetErrorCount');
  });

  it('alarms when the oldest queued start has waited half the start timeout, and when a start is dead-lettered', () => {
    const age = alarm(template(), 'Oldest queued session start older than 150 s (half of startTimeoutSeconds)');
    expect([age.Namespace, age.MetricName, age.Threshold, age.ComparisonOperator, age.TreatMissingData]).toEqual([
      'AWS/SQS',
      'ApproximateAgeOfOldestMessage',
      150,
      'GreaterThanThreshold',
      'notBreaching',
    ]);
    expect(age.Dimensions).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [synth.stateless.getLogicalId(synth.stateless.startQueue.queue.node.defaultChild as never), 'QueueName'] } }]);
    expect(alarmsOf(template()).map((a) => a.AlarmDescription)).toContain(
      'Dead letters: session starts that failed every receive (the sweep ends their sessions as stuck starts)',
    );
    expect(alarm(template(), 'Starter function errors').MetricName).toBe('Errors');
  });

  it('alarms on the API 5xx rate as a share of requests', () => {
    const api = alarm(template(), 'API 5xx responses (% of requests)');
    expect(api.Threshold).toBe(1);
    expect(api.Metrics?.find((m) => m.Expression)?.Expression).toBe('IF(requests > 0, 100 * errors / requests, 0)');
    expect(api.Metrics?.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : [])).sort()).toEqual(['5xx', 'Count']);
  });

  it.each(['POST /sessions/{id}/activity', 'POST /sessions/{id}/task-activity'])('alarms on the 4xx share of %s, from its own route metrics, once it has traffic', (routeKey) => {
    const rate = alarm(template(), `4xx responses on ${routeKey} (% of its requests)`);
    expect(rate.Threshold).toBe(10);
    expect(rate.Metrics?.find((m) => m.Expression)?.Expression).toMatch(/^IF\(requests\d >= 100, 100 \* errors\d \/ requests\d, 0\)$/);
    const metrics = rate.Metrics?.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : [])) ?? [];
    expect(metrics.map((m) => [m.Namespace, m.MetricName]).sort()).toEqual([
      ['AWS/ApiGateway', '4xx'],
      ['AWS/ApiGateway', 'Count'],
    ]);
    for (const m of metrics) {
      expect(m.Dimensions).toEqual(expect.arrayContaining([{ Name: 'Route', Value: routeKey }, { Name: 'Stage', Value: '$default' }]));
      expect(JSON.stringify(m.Dimensions)).toContain('"Name":"ApiId"');
    }
  });

  it('alarms on any request API Gateway throttled, counted from the access log', () => {
    const throttled = alarm(template(), 'Requests API Gateway throttled (429), on any route');
    expect([throttled.Namespace, throttled.MetricName, throttled.Threshold, throttled.ComparisonOperator]).toEqual([
      'SessionExpiry/AccessLogs',
      'ThrottledRequests',
      0,
      'GreaterThanThreshold',
    ]);
    expect(throttled.TreatMissingData).toBe('notBreaching');
  });

  it('sends every alarm and its recovery to the alarm topic', () => {
    const topic = Object.keys(resourcesOf(template(), 'AWS::SNS::Topic'))[0];
    for (const a of alarmsOf(template())) {
      expect(a.AlarmActions, a.AlarmDescription).toEqual([{ Ref: topic }]);
      expect(a.OKActions, a.AlarmDescription).toEqual([{ Ref: topic }]);
    }
  });

  it('encrypts the topic with a rotated key CloudWatch may use, and refuses plain HTTP', () => {
    template().hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template().hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } })]) },
    });
    template().hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    template().resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('builds a dashboard of sessions, activity, expiry lag, end reasons, orphans, cluster, errors and the start queue', () => {
    const [dashboard] = Object.values(resourcesOf(template(), 'AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard?.Properties?.['DashboardBody']);
    for (const metric of ['LiveSessions', 'SessionsByActivity', 'ActivityLevel', 'ExpiryLagMs', 'p99', 'SessionsEnded', 'Reason', 'OrphansStopped', 'SweepRepairs', 'CpuUtilized', 'MemoryReserved', 'EphemeralStorageUtilized', 'EphemeralStorageReserved', 'ResourceWarningsSent', 'Errors', '4xx', 'ThrottledRequests', 'ApproximateAgeOfOldestMessage', 'ApproximateNumberOfMessagesDelayed', 'StartRetries', 'StartTimeouts']) {
      expect(body, metric).toContain(metric);
    }
    // One line per activity level, busy included.
    for (const level of ACTIVITY_LEVELS) expect(body, level).toContain(`\\"ActivityLevel\\",\\"${level}\\"`);
  });
});

describe('Monitoring with changed thresholds and an alarm e-mail', () => {
  let synth: SynthesizedApp;
  beforeAll(() => {
    const raw = rawConfig();
    raw['alarms'] = {
      cpuWarningPercent: 65,
      memoryCriticalPercent: 95,
      diskWarningPercent: 60,
      diskCriticalPercent: 70,
      liveSessionsCapacity: 50,
      liveSessionsWarningPercent: 50,
      api5xxRatePercent: 5,
      activity4xxRatePercent: 25,
      email: 'ops@example.com',
    };
    synth = synthApp(raw);
  });
  afterAll(() => synth?.cleanup());

  it('takes every threshold from the config', () => {
    const template = synth.statelessTemplate;
    expect(alarm(template, 'Cluster CPU utilisation (warning)').Threshold).toBe(65);
    expect(alarm(template, 'Cluster CPU utilisation (critical)').Threshold).toBe(90);
    expect(alarm(template, 'Cluster memory utilisation (critical)').Threshold).toBe(95);
    expect(alarm(template, 'Cluster ephemeral storage utilisation (warning)').Threshold).toBe(60);
    expect(alarm(template, 'Cluster ephemeral storage utilisation (critical)').Threshold).toBe(70);
    expect(alarm(template, 'Live sessions near the sized capacity').Threshold).toBe(25);
    expect(alarm(template, 'API 5xx responses (% of requests)').Threshold).toBe(5);
    expect(alarm(template, '4xx responses on POST /sessions/{id}/task-activity (% of its requests)').Threshold).toBe(25);
  });

  it('subscribes the e-mail address, with a dead-letter queue of its own (alarmed too)', () => {
    synth.statelessTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    });
    expect(alarmsOf(synth.statelessTemplate).some((a) => a.AlarmDescription === 'Dead letters: alarm e-mails SNS could not deliver')).toBe(true);
  });
});

describe('Monitoring with a watched disk beside the ephemeral storage (the workspace volume hook)', () => {
  it('alarms on it at the disk thresholds and graphs it with the cluster', () => {
    const raw = rawConfig();
    raw['alarms'] = { diskWarningPercent: 70, diskCriticalPercent: 95 };
    const config = parseConfig(raw);
    const stack = new Stack(new App(), 'MonitoringHook', { env: { account: '123456789012', region: 'eu-west-1' } });
    const fn = (name: string) => LambdaFunction.fromFunctionArn(stack, name, `arn:aws:lambda:eu-west-1:123456789012:function:${name}`);
    const workspace = new Metric({ namespace: 'Example/Workspaces', metricName: 'FilesystemPercent', statistic: 'Maximum' });
    const ebs = ebsFilesystemPercent('sessions', 'notebook', 'workspace');
    new Monitoring(stack, 'Monitoring', {
      config,
      serviceName: 'session-expiry',
      clusterName: 'sessions',
      functions: { api: fn('api'), expire: fn('expire'), sweep: fn('sweep'), taskEvent: fn('task-event'), starter: fn('starter') },
      deadLetterQueues: [],
      startQueue: Queue.fromQueueArn(stack, 'StartQueue', 'arn:aws:sqs:eu-west-1:123456789012:starts'),
      scheduleGroup: ScheduleGroup.fromScheduleGroupName(stack, 'Group', 'sessions'),
      api: new SessionApi(stack, 'Api', { config, logRetention: RetentionDays.ONE_MONTH }),
      disks: [
        { id: 'WorkspaceDisk', label: 'Workspace volume', percent: workspace },
        { id: 'NotebookWorkspace', label: 'Notebook workspace volume', percent: ebs },
      ],
    });
    const template = Template.fromStack(stack);

    const warning = alarm(template, 'Workspace volume utilisation (warning)');
    expect([warning.Namespace, warning.MetricName, warning.Threshold]).toEqual(['Example/Workspaces', 'FilesystemPercent', 70]);
    expect(alarm(template, 'Workspace volume utilisation (critical)').Threshold).toBe(95);
    expect(alarm(template, 'Cluster ephemeral storage utilisation (critical)').Threshold).toBe(95);
    const volume = alarm(template, 'Notebook workspace volume utilisation (warning)');
    expect(volume.Metrics?.find((m) => m.Expression)?.Expression).toBe('100 * used / size');
    for (const m of volume.Metrics?.flatMap((q) => (q.MetricStat ? [q.MetricStat.Metric] : [])) ?? []) {
      expect([m.Namespace, m.MetricName, m.Dimensions]).toEqual([
        'ECS/ContainerInsights',
        expect.stringMatching(/^EBSFilesystem(Utilized|Size)$/),
        expect.arrayContaining([{ Name: 'ClusterName', Value: 'sessions' }, { Name: 'TaskDefinitionFamily', Value: 'notebook' }, { Name: 'VolumeName', Value: 'workspace' }]),
      ]);
    }
    const [dashboard] = Object.values(resourcesOf(template, 'AWS::CloudWatch::Dashboard'));
    expect(JSON.stringify(dashboard?.Properties?.['DashboardBody'])).toContain('FilesystemPercent');
  });
});
