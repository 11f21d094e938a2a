// A synthesized app "deployed" on this machine: its tables created in dynalite as the templates
// declare them, local fakes of ECS, Scheduler, EventBridge and SSM Parameter Store that know the
// templates' cluster, task definitions, schedule groups, buses and parameters, an X-Ray daemon
// sink, and a sandbox that runs each function's bundle as Lambda would with the SDK pointed at all
// of these (DynamoDB through a recording proxy, so each invocation's calls to every service are known). `deliver` and `fire` do
// what EventBridge and Scheduler would do with an event or a schedule target. One per test file:
// start in beforeAll, stop in afterAll.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EcsFake, startEcsFake } from './aws-fakes/ecs';
import { matchesEventPattern } from './aws-fakes/event-pattern';
import { type EventBridgeFake, startEventBridgeFake } from './aws-fakes/eventbridge';
import { type FakeRequest, type RecordedCall, startUnexpectedServiceFake } from './aws-fakes/http-fake';
import { startRecordingProxy } from './aws-fakes/recording-proxy';
import { type SchedulerFake, startSchedulerFake } from './aws-fakes/scheduler';
import { type FakeParameter, type SsmFake, startSsmFake } from './aws-fakes/ssm';
import { type XrayDaemonFake, startXrayDaemonFake } from './aws-fakes/xray-daemon';
import { CfnResolver } from './cfn-intrinsics';
import { type DeployedFunction, functionWithArn, readCloudAssembly } from './cloud-assembly';
import { type DynaliteHandle, startDynalite } from './dynalite';
import { type Invocation, type InvokeOptions, type LambdaSandbox, invoke, writeRunner } from './lambda-runner';
import { type CreatedTable, createTemplateTables } from './template-tables';
import { type AwsService, type SdkCall } from './iam/call-requests';
import { type Deployment, type ScheduleTarget, attributesOf, eventRules, refsOf, roleWithArn } from './template-wiring';

/** The AWS calls one invocation made (invocations run one at a time, so each call is its function's). */
export interface InvocationCalls {
  fn: DeployedFunction;
  /** Run with variables or a Handler other than the template's: not the deployed function. */
  altered: boolean;
  calls: SdkCall[];
}

export interface DeployedApp extends Deployment {
  dynalite: DynaliteHandle;
  tables: CreatedTable[];
  ecs: EcsFake;
  scheduler: SchedulerFake;
  eventBridge: EventBridgeFake;
  ssm: SsmFake;
  xray: XrayDaemonFake;
  /** Requests that reached no fake (a client of a service nobody expected). */
  unexpected: FakeRequest[];
  sandbox: LambdaSandbox;
  /** Every invocation so far, with the DynamoDB, ECS, Scheduler, EventBridge and SSM calls it made. */
  invocations: InvocationCalls[];
  /** One cold invocation of a function's bundle. */
  invoke(fn: DeployedFunction, event: unknown, options?: InvokeOptions): Promise<Invocation>;
  /** EventBridge: the event, put on `bus`, goes to every target of every enabled rule there whose pattern matches it. */
  deliver(event: Record<string, unknown>, bus?: string): Promise<{ rules: string[]; invocations: Invocation[] }>;
  /** Scheduler: assume the target's role (it must trust Scheduler and allow the invoke), then invoke the target with its Input. */
  fire(target: ScheduleTarget): Promise<Invocation>;
  stop(): Promise<void>;
}

const taskDefinitionsOf = (resolver: CfnResolver) =>
  Object.fromEntries(
    resolver.resourcesOfType('AWS::ECS::TaskDefinition').map(({ stackName, logicalId, resource }) => {
      const p = resolver.resolve(stackName, resource.Properties) as { Family: string; NetworkMode?: string; ContainerDefinitions: { Name: string }[] };
      const definition = { family: p.Family, containerNames: p.ContainerDefinitions.map((c) => c.Name), ...(p.NetworkMode !== undefined && { networkMode: p.NetworkMode }) };
      return [resolver.ref(stackName, logicalId), definition];
    }),
  );

/** The templates' parameters as CloudFormation would write them. */
const parametersOf = (resolver: CfnResolver): FakeParameter[] =>
  resolver.resourcesOfType('AWS::SSM::Parameter').map(({ stackName, logicalId, resource }) => {
    const p = resolver.resolve(stackName, resource.Properties) as { Name?: string; Value: string; Type: string };
    // Without a Name, CloudFormation generates one (the session agent's bundle parts: ECS reads them by ARN).
    return { Name: p.Name ?? resolver.ref(stackName, logicalId), Value: p.Value, Type: p.Type };
  });

export const startDeployedApp = async (outdir: string): Promise<DeployedApp> => {
  const assembly = readCloudAssembly(outdir);
  const resolver = new CfnResolver(assembly.templates);
  const deployment: Deployment = { assembly, resolver };
  const { region, accountId } = resolver.env;
  const closers: (() => Promise<void>)[] = [];
  const scratchDir = mkdtempSync(join(tmpdir(), 'deployed-app-'));
  const stop = async (): Promise<void> => {
    await Promise.allSettled(closers.map((close) => close()));
    rmSync(scratchDir, { recursive: true, force: true });
  };
  const open = async <T>(starting: Promise<T>, close: (started: T) => Promise<void>): Promise<T> => {
    const started = await starting;
    closers.push(() => close(started));
    return started;
  };

  try {
    const dynalite = await open(startDynalite(), (d) => d.stop());
    const tables = await createTemplateTables(dynalite.client, resolver);
    const close = (fake: { close: () => Promise<void> }) => fake.close();
    const dynamodb = await open(startRecordingProxy(dynalite.endpoint), close);
    const ecs = await open(startEcsFake({ region, accountId, clusters: attributesOf(deployment, 'AWS::ECS::Cluster', 'Arn'), taskDefinitions: taskDefinitionsOf(resolver) }), close);
    const scheduler = await open(startSchedulerFake({ region, accountId, groups: refsOf(deployment, 'AWS::Scheduler::ScheduleGroup') }), close);
    const eventBridge = await open(startEventBridgeFake({ region, accountId, buses: refsOf(deployment, 'AWS::Events::EventBus') }), close);
    const ssm = await open(startSsmFake({ parameters: parametersOf(resolver) }), close);
    const xray = await open(startXrayDaemonFake(), close);
    const unexpected = await open(startUnexpectedServiceFake(), close);
    const sandbox: LambdaSandbox = {
      env: resolver.env,
      runnerPath: writeRunner(scratchDir),
      scratchDir,
      xrayDaemonAddress: xray.address,
      // By the clients' service ids (AWS_ENDPOINT_URL_<serviceId upper-cased, spaces as _>); any
      // other client falls back to AWS_ENDPOINT_URL, which refuses and records every call.
      endpoints: {
        AWS_ENDPOINT_URL: unexpected.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
        AWS_ENDPOINT_URL_ECS: ecs.endpoint,
        AWS_ENDPOINT_URL_SCHEDULER: scheduler.endpoint,
        AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.endpoint,
        AWS_ENDPOINT_URL_SSM: ssm.endpoint,
      },
    };
    const recorders: [AwsService, RecordedCall[]][] = [['dynamodb', dynamodb.calls], ['ecs', ecs.calls], ['scheduler', scheduler.calls], ['eventbridge', eventBridge.calls], ['ssm', ssm.calls]];
    const invocations: InvocationCalls[] = [];
    const run = async (fn: DeployedFunction, event: unknown, options?: InvokeOptions): Promise<Invocation> => {
      const before = recorders.map(([, calls]) => calls.length);
      try {
        return await invoke(fn, event, sandbox, options);
      } finally {
        const calls = recorders.flatMap(([service, recorded], i) => recorded.slice(before[i]).map((call) => ({ service, ...call })));
        invocations.push({ fn, altered: options?.variables !== undefined || options?.handler !== undefined, calls });
      }
    };

    return {
      ...deployment,
      dynalite,
      tables,
      ecs,
      scheduler,
      eventBridge,
      ssm,
      xray,
      unexpected: unexpected.requests,
      sandbox,
      invocations,
      invoke: run,
      deliver: async (event, bus = 'default') => {
        const matching = eventRules(deployment).filter((r) => r.eventBusName === bus && r.state === 'ENABLED' && matchesEventPattern(r.pattern, event));
        const invocations: Invocation[] = [];
        for (const target of matching.flatMap((r) => r.targets)) {
          if (target.InputPath !== undefined || target.InputTransformer !== undefined) throw new Error('rule targets with InputPath or InputTransformer are not faked');
          invocations.push(await run(functionWithArn(assembly, resolver, target.Arn), target.Input === undefined ? event : JSON.parse(target.Input)));
        }
        return { rules: matching.map((r) => r.logicalId), invocations };
      },
      fire: async (target) => {
        const role = roleWithArn(deployment, target.RoleArn);
        if (!role.trustedBy('scheduler.amazonaws.com')) throw new Error(`Scheduler may not assume ${role.logicalId}`);
        if (!role.allows('lambda:InvokeFunction', target.Arn)) throw new Error(`${role.logicalId} may not invoke ${target.Arn}`);
        return run(functionWithArn(assembly, resolver, target.Arn), target.Input === undefined ? {} : JSON.parse(target.Input));
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};
