// What the CDK app deploys and what the runtime does must agree (contract/): each pair is checked
// here from both ends, the synthesized template on one side and the runtime's own code on the
// other (the AWS adapters over mocked SDK clients, Powertools writing EMF, the handlers on fakes).
// If either side stops using the contract, a test below fails; the type-level checks fail tsc.
import { ECSClient, ListTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { parseDeployedProfiles } from '../../lambdas/profile-config';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { DOMAIN_EVENT_TYPES, type DomainEventType, EVENT_SOURCE } from '../../contract/domain-events';
import { ECS_TASK_STATE_CHANGE, TASK_MARKER_PATTERN } from '../../contract/ecs-tasks';
import { FUNCTION_ENV_NAMES, type FunctionEnvName, type FunctionEnvironment } from '../../contract/function-env';
import { METRICS_NAMESPACE, METRIC_NAMES, type MetricName, SERVICE_DIMENSION, SERVICE_NAME } from '../../contract/observability';
import { END_REASONS } from '../../lambdas/domain/session';
import { assumedRoleOf, isTheTask } from '../../lambdas/domain/task-identity';
import { handler as taskEventHandler } from '../../lambdas/handlers/task-event';
import { type MetricDimensions } from '../../lambdas/ports/observability';
import { type SessionEvent } from '../../lambdas/ports/event-publisher';
import { createSession } from '../../lambdas/use-cases/create-session';
import { summarizeLive } from '../../lambdas/use-cases/live-summary';
import { sweep } from '../../lambdas/use-cases/sweep';
import { terminateSession } from '../../lambdas/use-cases/terminate-session';
import { buildApiDeps } from '../../lambdas/roots/api-root';
import { buildStarterDeps } from '../../lambdas/roots/starter-root';
import { buildExpireDeps } from '../../lambdas/roots/expire-root';
import { loadEnv, resetDeps } from '../../lambdas/wiring';
import { ACCESS_LOG_NAMESPACE } from '../../lib/constructs/session-api';
import { type SessionFunction } from '../../lib/constructs/session-function';
import { lambdaContext } from '../support/apigw-events';
import { T0, makeDeps } from '../support/fakes';
import { captureOutput } from '../support/captured-output';
import { injectFakeDeps } from '../lambdas/handlers/fake-handler-deps';
import { deployedEnvironment, deployedParametersUnder, deployedValue } from '../support/deployed-value';
import { type SynthesizedApp, resourcesOf, synthApp } from '../support/synth-app';

interface EventPattern {
  source: string[];
  'detail-type': string[];
  detail: { clusterArn: unknown[]; startedBy: string[]; lastStatus: string[] };
}

/** A custom or AWS metric as an alarm or a dashboard widget names it. */
interface WatchedMetric {
  where: string;
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

interface MetricJson {
  Namespace: string;
  MetricName: string;
  Dimensions?: { Name: string; Value: unknown }[];
}

interface AlarmJson extends Partial<MetricJson> {
  AlarmDescription: string;
  Metrics?: { MetricStat?: { Metric: MetricJson } }[];
}

interface EmfBlob {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

let synth: SynthesizedApp;
/** Each function's environment as CloudFormation would deploy it, by function name. */
let environments: Record<string, Record<string, string>>;

beforeAll(() => {
  synth = synthApp();
  environments = Object.fromEntries(
    Object.entries(synth.stateless.functions).map(([name, fn]) => {
      const props = resourcesOf(synth.statelessTemplate, 'AWS::Lambda::Function')[logicalIdOf(fn)]?.Properties;
      const variables = (props?.['Environment'] as { Variables: Record<string, unknown> }).Variables;
      return [name, deployedEnvironment(variables)];
    }),
  );
});
afterAll(() => synth?.cleanup());

const logicalIdOf = (fn: SessionFunction): string =>
  synth.stateless.getLogicalId(fn.node.defaultChild as Parameters<typeof synth.stateless.getLogicalId>[0]);
const template = () => synth.statelessTemplate;
/** One function's deployed environment (they all get the same variables). */
const deployedEnv = (name: keyof SynthesizedApp['stateless']['functions'] = 'api'): Record<string, string> =>
  environments[name] ?? expect.fail(`no ${name} function`);

const taskStatePattern = (): EventPattern => {
  const target = logicalIdOf(synth.stateless.functions.taskEvent);
  const rules = Object.values(resourcesOf(template(), 'AWS::Events::Rule')).filter((r) =>
    JSON.stringify(r.Properties?.['Targets']).includes(`"${target}"`),
  );
  expect(rules).toHaveLength(1);
  return rules[0]?.Properties?.['EventPattern'] as EventPattern;
};

describe('ECS task marker and task-state events', () => {
  const ecs = mockClient(ECSClient);
  // The profiles (and so the task definition) come from the parameters the template writes.
  const ssm = mockClient(SSMClient);
  afterEach(() => {
    ecs.reset();
    ssm.reset();
    resetDeps();
  });
  afterAll(() => {
    ecs.restore();
    ssm.restore();
  });

  it('the task-state rule matches the startedBy marker and cluster the ECS adapter starts tasks with and the sweep lists by', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/c/1' }] });
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    const env = loadEnv(deployedEnv('starter'));
    const documents = deployedParametersUnder(resourcesOf(template(), 'AWS::SSM::Parameter'), env.PROFILES_PARAMETER_PATH);
    ssm.on(GetParametersByPathCommand, { Path: env.PROFILES_PARAMETER_PATH }).resolves({
      Parameters: Object.entries(documents).map(([name, Value]) => ({ Name: `${env.PROFILES_PARAMETER_PATH}/${name}`, Type: 'String', Value })),
    });
    // The starter starts the tasks; the api (DELETE, POST /sweep) lists them like the sweep.
    await buildStarterDeps(env).tasks.start({ sessionId: '3f1c1a52-8c2e-4c0b-9f4e-2b8f0c6d7a11', ownerId: 'user-1', profile: 'demo', environment: {} });
    await buildApiDeps(loadEnv(deployedEnv('api'))).tasks.listManaged();

    const runTask = ecs.commandCalls(RunTaskCommand)[0]?.args[0].input;
    const listTasks = ecs.commandCalls(ListTasksCommand)[0]?.args[0].input;
    const pattern = taskStatePattern();
    expect(pattern.detail.startedBy).toEqual([runTask?.startedBy]);
    expect(listTasks?.startedBy).toBe(runTask?.startedBy);
    // The deployment's own marker, given to every function, in a form ECS accepts.
    expect(runTask?.startedBy).toBe(synth.stateless.cluster.taskMarker);
    for (const [name, env] of Object.entries(environments)) expect(env['TASK_MARKER'], name).toBe(runTask?.startedBy);
    expect(runTask?.startedBy).toMatch(TASK_MARKER_PATTERN);
    expect(pattern.detail.clusterArn.map(deployedValue)).toEqual([runTask?.cluster]);
    expect(listTasks?.cluster).toBe(runTask?.cluster);
  });

  it('the task-event handler acts on every event the rule forwards, for every status it forwards', async () => {
    const pattern = taskStatePattern();
    expect(pattern.source).toEqual([ECS_TASK_STATE_CHANGE.source]);
    // The handler with the marker its deployed environment gives it.
    const deps = injectFakeDeps({ taskMarker: deployedEnv('taskEvent')['TASK_MARKER'] });
    const started = async () => {
      const { session } = await createSession(deps, { ownerId: 'user-1', profile: 'notebook' });
      return { id: session.id, taskArn: String(session.taskArn) };
    };
    // For each status the rule forwards: a session in the state that status changes, and the outcome.
    const before: Record<string, { make: () => Promise<{ id: string; taskArn: string }>; outcome: string }> = {
      RUNNING: { make: started, outcome: 'running' },
      STOPPED: {
        make: async () => {
          const session = await started();
          await terminateSession(deps, { id: session.id, caller: { ownerId: 'user-1', isAdmin: false } });
          return session;
        },
        outcome: 'stopped',
      },
    };

    for (const lastStatus of pattern.detail.lastStatus) {
      const setUp = before[lastStatus] ?? expect.fail(`the rule forwards ${lastStatus}, which this test does not know`);
      const { id, taskArn } = await setUp.make();
      const event = {
        source: pattern.source[0],
        'detail-type': pattern['detail-type'][0],
        detail: {
          clusterArn: deployedValue(pattern.detail.clusterArn[0]),
          startedBy: pattern.detail.startedBy[0],
          taskArn,
          lastStatus,
          overrides: { containerOverrides: [{ name: 'session', environment: [{ name: 'SESSION_ID', value: id }] }] },
        },
      };

      const result = await captureOutput([], () => taskEventHandler(event, lambdaContext('session-expiry-task-event')));

      expect(result, lastStatus).toEqual({ outcome: setUp.outcome });
    }
  });
});

describe('function environment', () => {
  it('every function gets exactly the variables of the contract, no other', () => {
    for (const [name, env] of Object.entries(environments)) {
      expect(Object.keys(env).sort(), name).toEqual([...FUNCTION_ENV_NAMES].sort());
    }
  });

  it("every function's environment, as deployed, is one the runtime's wiring accepts", () => {
    for (const [name, env] of Object.entries(environments)) {
      expect(() => loadEnv(env), name).not.toThrow();
    }
  });

  it('names only contract variables in the stack and the function construct (checked by tsc)', () => {
    expectTypeOf<keyof FunctionEnvironment>().toEqualTypeOf<FunctionEnvName>();
    expectTypeOf<Parameters<SessionFunction['addEnvironment']>[0]>().toEqualTypeOf<FunctionEnvName>();
    expectTypeOf<'SESSION_TABLE_NAME'>().not.toExtend<FunctionEnvName>();
  });
});

describe('metrics', () => {
  beforeAll(() => {
    // Dev mode turns Powertools Metrics off; a developer's shell must not change the outcome.
    vi.stubEnv('POWERTOOLS_DEV', undefined);
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', undefined);
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  // Access-log metrics are written by CloudWatch Logs from the stack's own metric filters, not the runtime.
  const isCustom = (namespace: string): boolean =>
    !namespace.startsWith('AWS/') && namespace !== 'ECS/ContainerInsights' && namespace !== ACCESS_LOG_NAMESPACE;

  const watched = (where: string, metric: MetricJson): WatchedMetric => ({
    where,
    namespace: metric.Namespace,
    name: metric.MetricName,
    dimensions: Object.fromEntries((metric.Dimensions ?? []).map((d) => [d.Name, deployedValue(d.Value)])),
  });

  const alarmMetrics = (): WatchedMetric[] =>
    Object.values(resourcesOf(template(), 'AWS::CloudWatch::Alarm')).flatMap((resource) => {
      const alarm = resource.Properties as unknown as AlarmJson;
      const own = alarm.Namespace !== undefined && alarm.MetricName !== undefined ? [watched(alarm.AlarmDescription, alarm as MetricJson)] : [];
      const inMath = (alarm.Metrics ?? []).flatMap((m) => (m.MetricStat ? [watched(alarm.AlarmDescription, m.MetricStat.Metric)] : []));
      return [...own, ...inMath];
    });

  /** Metric lines of the dashboard: `[namespace, name, dim, value, ..., {options}]` (math expressions skipped). */
  const dashboardMetrics = (): WatchedMetric[] => {
    const dashboards = Object.values(resourcesOf(template(), 'AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.parse(deployedValue(dashboards[0]?.Properties?.['DashboardBody'])) as {
      widgets: { properties: { title?: string; metrics?: unknown[][] } }[];
    };
    return body.widgets.flatMap((widget) =>
      (widget.properties.metrics ?? []).flatMap((line) => {
        const [namespace, name, ...rest] = line.filter((part): part is string => typeof part === 'string');
        if (namespace === undefined || name === undefined) return [];
        const dimensions: Record<string, string> = {};
        for (let i = 0; i + 1 < rest.length; i += 2) dimensions[rest[i]] = rest[i + 1];
        return [{ where: widget.properties.title ?? 'dashboard', namespace, name, dimensions }];
      }),
    );
  };

  const isMetricName = (name: string): name is MetricName => (METRIC_NAMES as readonly string[]).includes(name);

  /** The EMF blobs the runtime's metrics port writes for one metric, in a process with the deployed environment. */
  const emitWithDeployedEnv = async (): Promise<(name: MetricName, dimensions: MetricDimensions) => Promise<EmfBlob[]>> => {
    const env = deployedEnv('sweep');
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', env['POWERTOOLS_SERVICE_NAME']);
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', env['POWERTOOLS_METRICS_NAMESPACE']);
    vi.resetModules();
    const observability = await import('../../lambdas/adapters/observability/lambda-observability');
    return async (name, dimensions) => {
      const output: string[] = [];
      await captureOutput(output, () => {
        observability.metricsPort.count(name, 1, dimensions);
        observability.flushMetrics();
        return Promise.resolve();
      });
      return output
        .flatMap((chunk) => chunk.split('\n'))
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Partial<EmfBlob>)
        .filter((blob): blob is EmfBlob => blob._aws !== undefined);
    };
  };

  /** Fails unless the runtime, emitting `metric`'s name and dimensions, writes exactly that metric. */
  const expectEmitted = async (emit: (name: MetricName, dimensions: MetricDimensions) => Promise<EmfBlob[]>, metric: WatchedMetric) => {
    const label = `${metric.where}: ${metric.namespace}/${metric.name} ${JSON.stringify(metric.dimensions)}`;
    expect(isMetricName(metric.name), `${label} is not a metric the runtime emits`).toBe(true);
    if (!isMetricName(metric.name)) return;
    const { [SERVICE_DIMENSION]: _service, ...own } = metric.dimensions;
    const [blob, ...more] = await emit(metric.name, own);
    expect(more, label).toEqual([]);
    const [emf] = blob?._aws.CloudWatchMetrics ?? [];
    expect(emf?.Namespace, label).toBe(metric.namespace);
    expect(emf?.Metrics.map((m) => m.Name), label).toEqual([metric.name]);
    expect(emf?.Dimensions.map((set) => [...set].sort()), label).toEqual([Object.keys(metric.dimensions).sort()]);
    for (const [dimension, value] of Object.entries(metric.dimensions)) expect(blob?.[dimension], `${label} ${dimension}`).toBe(value);
  };

  it("every function runs Powertools with the contract's service name and namespace", () => {
    for (const [name, env] of Object.entries(environments)) {
      expect([env['POWERTOOLS_SERVICE_NAME'], env['POWERTOOLS_METRICS_NAMESPACE']], name).toEqual([SERVICE_NAME, METRICS_NAMESPACE]);
    }
  });

  it('every custom metric an alarm watches is one the runtime writes, in that namespace and with those dimensions', async () => {
    const custom = alarmMetrics().filter((m) => isCustom(m.namespace));
    expect(custom.map((m) => m.name).sort()).toEqual(['LiveSessions', 'OverdueSessions']);

    const emit = await emitWithDeployedEnv();
    for (const metric of custom) await expectEmitted(emit, metric);
  });

  it('every custom metric on the dashboard is one the runtime writes, in that namespace and with those dimensions', async () => {
    const custom = dashboardMetrics().filter((m) => isCustom(m.namespace));
    expect(custom.length).toBeGreaterThan(10);

    const emit = await emitWithDeployedEnv();
    for (const metric of custom) await expectEmitted(emit, metric);
  });

  it('every access-log metric an alarm or the dashboard watches is written by a metric filter of the stack', () => {
    const filters = Object.values(resourcesOf(template(), 'AWS::Logs::MetricFilter')).flatMap(
      (f) => (f.Properties?.['MetricTransformations'] as { MetricNamespace: string; MetricName: string }[]).map((t) => `${t.MetricNamespace}/${t.MetricName}`),
    );
    const watchedFromLogs = [...alarmMetrics(), ...dashboardMetrics()].filter((m) => m.namespace === ACCESS_LOG_NAMESPACE);
    expect(watchedFromLogs.length).toBeGreaterThan(0);
    for (const metric of watchedFromLogs) expect(filters, metric.where).toContain(`${metric.namespace}/${metric.name}`);
  });

  it("the dashboard draws a line for every sweep kind, end reason and activity level the runtime reports", async () => {
    const valuesOf = (name: MetricName, dimension: string) =>
      [...new Set(dashboardMetrics().filter((m) => m.name === name).map((m) => m.dimensions[dimension]))].sort();
    const report = await sweep(makeDeps(), { dryRun: true });
    const sweepKinds = Object.entries(report).filter(([key, value]) => Array.isArray(value) && key !== 'failures').map(([key]) => key);

    expect(valuesOf('SweepRepairs', 'Kind')).toEqual(sweepKinds.sort());
    expect(valuesOf('SessionsEnded', 'Reason')).toEqual([...END_REASONS].sort());
    expect(valuesOf('SessionsByActivity', 'ActivityLevel')).toEqual(Object.keys(summarizeLive([], T0).byActivityLevel).sort());
  });
});

describe('task identity', () => {
  it("the api function knows each stack-made profile's task role: the one its task definition runs as, allowed to invoke the task route", () => {
    const env = loadEnv(deployedEnv('api'));
    const { profiles } = parseDeployedProfiles(
      deployedParametersUnder(resourcesOf(template(), 'AWS::SSM::Parameter'), env.PROFILES_PARAMETER_PATH),
      env.PROFILES_PARAMETER_PATH,
    );
    const [taskDefinition] = Object.values(resourcesOf(template(), 'AWS::ECS::TaskDefinition'));
    const roleRef = taskDefinition?.Properties?.['TaskRoleArn'] as { 'Fn::GetAtt': [string, string] };
    const roleArn = deployedValue(roleRef);
    expect(profiles['demo']?.taskRoleArn).toBe(roleArn);

    // A task of that definition signs with that role, under a session named after its task id.
    const taskArn = 'arn:aws:ecs:eu-west-1:123456789012:task/sessions/6b777c1809a94925ab48098fa09824de';
    const signer = assumedRoleOf(`arn:aws:sts::123456789012:assumed-role/${roleArn.split('/').pop()}/6b777c1809a94925ab48098fa09824de`);
    expect(signer !== undefined && isTheTask(signer, { taskArn, taskRoleArn: profiles['demo']?.taskRoleArn })).toBe(true);

    // And that role, only, may call the task route, whose requests API Gateway checks with IAM.
    const invokers = Object.values(resourcesOf(template(), 'AWS::IAM::Policy'))
      .map((p) => p.Properties as { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] }; Roles: { Ref: string }[] })
      .filter((p) => p.PolicyDocument.Statement.some((st) => st.Action === 'execute-api:Invoke'));
    expect(invokers.flatMap((p) => p.Roles.map((r) => r.Ref))).toEqual([roleRef['Fn::GetAtt'][0]]);
    const route = Object.values(resourcesOf(template(), 'AWS::ApiGatewayV2::Route')).find((r) => r.Properties?.['RouteKey'] === 'POST /sessions/{id}/task-activity');
    expect(route?.Properties?.['AuthorizationType']).toBe('AWS_IAM');
  });
});

describe('domain events', () => {
  const eventBridge = mockClient(EventBridgeClient);
  afterEach(() => eventBridge.reset());
  afterAll(() => eventBridge.restore());

  /** One event of each contract detail-type, typed so a type the port lacks does not compile. */
  const oneOfEach: { [T in DomainEventType]: Extract<SessionEvent, { type: T }> } = {
    'Session Created': { type: 'Session Created', detail: { sessionId: 's-1', ownerId: 'u-1', profile: 'demo', expiresAt: '2026-03-10T12:15:00.000Z' } },
    'Session Expiring': { type: 'Session Expiring', detail: { sessionId: 's-1', ownerId: 'u-1', expiresAt: '2026-03-10T12:15:00.000Z', reason: 'idle_timeout' } },
    'Session Ended': { type: 'Session Ended', detail: { sessionId: 's-1', ownerId: 'u-1', reason: 'idle_timeout', endedAt: '2026-03-10T12:15:00.000Z' } },
    'Orphan Task Stopped': { type: 'Orphan Task Stopped', detail: { taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/c/1' } },
    'Workspace Expiring': {
      type: 'Workspace Expiring',
      detail: { ownerId: 'u-1', profile: 'demo', deleteAt: '2026-04-10T12:15:00.000Z', lastUsedAt: '2026-03-10T12:15:00.000Z' },
    },
    'Workspace Deleted': { type: 'Workspace Deleted', detail: { ownerId: 'u-1', profile: 'demo', reason: 'retention', deletedAt: '2026-04-10T12:15:00.000Z' } },
    'Session Resource Warning': {
      type: 'Session Resource Warning',
      detail: { sessionId: 's-1', ownerId: 'u-1', profile: 'demo', resource: 'memory', percent: 93, threshold: 90 },
    },
  };

  it("the publisher sends every domain event to the stack's bus with the contract's source and detail-type", async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    const { events } = buildExpireDeps(loadEnv(deployedEnv('expire')));

    await events.publish(DOMAIN_EVENT_TYPES.map((type) => oneOfEach[type]));

    const entries = eventBridge.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(entries.map((e) => e.DetailType)).toEqual([...DOMAIN_EVENT_TYPES]);
    expect(new Set(entries.map((e) => e.Source))).toEqual(new Set([EVENT_SOURCE]));
    const [bus, ...otherBuses] = Object.keys(resourcesOf(template(), 'AWS::Events::EventBus'));
    expect(otherBuses).toEqual([]);
    expect(new Set(entries.map((e) => e.EventBusName))).toEqual(new Set([deployedValue({ Ref: bus })]));
  });

  it("publishes only the contract's detail-types (checked by tsc)", () => {
    expectTypeOf<SessionEvent['type']>().toEqualTypeOf<DomainEventType>();
  });
});
