// Two deployments on one ECS cluster (README "Deploy and destroy"): each built as Lambda builds it
// (build-handler-deps.ts) with its own tables and its own task marker, the real ECS adapter talking
// to one local ECS fake that holds both deployments' tasks. Neither deployment's sweep stops the
// other's tasks, however long they run, and neither's task-event handler acts on the other's events;
// each still finds its own orphans.
import { ECSClient } from '@aws-sdk/client-ecs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SweepReport } from '../../../contract/wire';
import { EcsTaskRunner, fixedTargets } from '../../../lambdas/adapters/aws/ecs-task-runner';
import { fixedProfiles } from '../../../lambdas/ports/profile-catalog';
import { type DeploymentSettings, buildHandlerDeps } from '../../../lambdas/build-handler-deps';
import { UnauthorizedError } from '../../../lambdas/domain/errors';
import { type HandlerDeps, type HandlerSetup } from '../../../lambdas/handlers/handler-setup';
import { makeSweepHandler } from '../../../lambdas/handlers/sweep';
import { makeTaskEventHandler } from '../../../lambdas/handlers/task-event';
import { createSession } from '../../../lambdas/use-cases/create-session';
import { createTables } from '../../../local/dynamodb/create-tables';
import { lambdaContext } from '../../support/apigw-events';
import { type EcsFake, startEcsFake } from '../../support/aws-fakes/ecs';
import { captureOutput } from '../../support/captured-output';
import { type DynaliteHandle, startDynalite } from '../../support/dynalite';
import { FakeClock, FakeEvents, FakeScheduler, MINUTE, RecordingLog, RecordingMetrics, TEST_PROFILES, TEST_SETTINGS } from '../../support/fakes';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const CLUSTER = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/labs`;
const TASK_DEFINITION = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/notebook:1`;

interface Deployment {
  name: string;
  deps: HandlerDeps;
  onTaskEvent: (event: unknown) => Promise<unknown>;
  sweep: () => Promise<SweepReport>;
}

describe('two deployments on one cluster', () => {
  let dynamo: DynaliteHandle;
  let ecs: EcsFake;
  let client: ECSClient;
  let clock: FakeClock;
  let a: Deployment;
  let b: Deployment;
  const output: string[] = [];

  beforeAll(async () => {
    dynamo = await startDynalite();
    ecs = await startEcsFake({
      region: REGION,
      accountId: ACCOUNT,
      clusters: [CLUSTER],
      taskDefinitions: { [TASK_DEFINITION]: { family: 'notebook', containerNames: ['session'] } },
    });
    client = new ECSClient({ region: REGION, endpoint: ecs.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  });
  afterAll(async () => {
    client?.destroy();
    await ecs?.close();
    await dynamo?.stop();
  });

  /** A deployment as the wiring builds one from its environment: own tables, own marker. */
  const deploy = async (name: string, taskMarker: string): Promise<Deployment> => {
    const suffix = randomUUID().slice(0, 8);
    const tables = { sessions: `${name}-sessions-${suffix}`, idempotency: `${name}-idempotency-${suffix}`, workspaces: `${name}-workspaces-${suffix}` };
    await createTables(dynamo.client, tables, { pollMs: 10 });
    const settings: DeploymentSettings = {
      tables,
      deadlineShards: 4,
      retentionDays: 30,
      profiles: fixedProfiles(TEST_PROFILES),
      apiUrl: TEST_SETTINGS.apiUrl,
      orphanGraceSeconds: TEST_SETTINGS.orphanGraceSeconds,
      stuckAfterSeconds: TEST_SETTINGS.stuckAfterSeconds,
      adminGroup: 'session-admins',
      taskMarker,
    };
    const deps = buildHandlerDeps(settings, {
      dynamodb: dynamo.doc,
      tasks: new EcsTaskRunner(client, {
        clusterArn: CLUSTER,
        subnetIds: ['subnet-a'],
        securityGroupIds: [],
        assignPublicIp: false,
        profiles: fixedTargets(
          Object.fromEntries(Object.keys(TEST_PROFILES).map((profile) => [profile, { taskDefinitionArn: TASK_DEFINITION, containerName: 'session' }])),
        ),
        startedBy: settings.taskMarker,
        clock,
      }),
      scheduler: new FakeScheduler(),
      events: new FakeEvents(),
      jwtVerifier: { verify: () => Promise.reject(new UnauthorizedError('no tokens in this test')) },
      log: new RecordingLog(),
      metrics: new RecordingMetrics(),
      clock,
    });
    const setup: HandlerSetup = { deps: () => deps, log: new RecordingLog() };
    const taskEvent = makeTaskEventHandler(setup);
    const sweepHandler = makeSweepHandler(setup);
    return {
      name,
      deps,
      onTaskEvent: (event) => captureOutput(output, () => taskEvent(event, lambdaContext(`${name}-task-event`))),
      sweep: async () => {
        const result = await captureOutput(output, () => sweepHandler({ dryRun: false }, lambdaContext(`${name}-sweep`)));
        if ('dropped' in result) throw new Error('the sweep dropped its input');
        return result;
      },
    };
  };

  beforeEach(async () => {
    // ECS stamps tasks with the real time; the deployments' clock starts there and is moved on.
    clock = new FakeClock(Date.now());
    ecs.tasks.clear();
    ecs.calls.length = 0;
    a = await deploy('labs-a', 'se-LabsSessionsA-1b2c3d4e');
    b = await deploy('labs-b', 'se-LabsSessionsB-5f6a7b8c');
  });

  /** A session of `deployment` whose task ECS reports RUNNING, delivered to both deployments' handlers. */
  const runningSession = async (deployment: Deployment): Promise<{ id: string; taskArn: string; outcomes: unknown[] }> => {
    const { session } = await createSession(deployment.deps, { ownerId: 'alice', profile: 'notebook' });
    const taskArn = session.taskArn ?? expect.fail('create started no task');
    const event = ecs.stateChangeEvent(ecs.setLastStatus(taskArn, 'RUNNING').taskArn);
    // The events of the cluster go to every deployment's rule; only a matching one forwards them,
    // and the handler checks the marker too.
    const outcomes = [await a.onTaskEvent(event), await b.onTaskEvent(event)];
    return { id: session.id, taskArn, outcomes };
  };

  const stopCalls = () => ecs.calls.filter((c) => c.operation === 'StopTask').map((c) => c.input['task']);

  it("neither deployment's sweep stops the other's tasks, long past the orphan grace", async () => {
    const ofA = await runningSession(a);
    const ofB = await runningSession(b);
    expect(ofA.outcomes).toEqual([{ outcome: 'running' }, { outcome: 'ignored' }]);
    expect(ofB.outcomes).toEqual([{ outcome: 'ignored' }, { outcome: 'running' }]);

    clock.advance(TEST_SETTINGS.orphanGraceSeconds * 1000 + 10 * MINUTE);
    const reports = [await a.sweep(), await b.sweep(), await a.sweep(), await b.sweep()];

    for (const report of reports) expect(report).toMatchObject({ orphans: [], lost: [], stuck: [], expired: [], failures: [] });
    expect(stopCalls()).toEqual([]);
    for (const { taskArn } of [ofA, ofB]) expect(ecs.tasks.get(taskArn)).toMatchObject({ desiredStatus: 'RUNNING', lastStatus: 'RUNNING' });
    expect(await a.deps.store.get(ofA.id)).toMatchObject({ status: 'running' });
    expect(await b.deps.store.get(ofB.id)).toMatchObject({ status: 'running' });
  });

  it('each still stops its own orphans, and only those', async () => {
    const ofB = await runningSession(b);
    // A task of deployment A whose session A has no record of (its create crashed after RunTask).
    const orphanOfA = await a.deps.tasks.start({ sessionId: randomUUID(), ownerId: 'alice', profile: 'notebook', environment: {} });
    ecs.setLastStatus(orphanOfA.taskArn, 'RUNNING');

    clock.advance(TEST_SETTINGS.orphanGraceSeconds * 1000 + MINUTE);
    const [ofASweep, ofBSweep] = [await a.sweep(), await b.sweep()];

    expect(ofASweep.orphans).toEqual([expect.objectContaining({ action: 'stop_orphan', taskId: orphanOfA.taskArn.split('/').at(-1) })]);
    expect(ofBSweep.orphans).toEqual([]);
    expect(stopCalls()).toEqual([orphanOfA.taskArn]);
    expect(ecs.tasks.get(ofB.taskArn)).toMatchObject({ desiredStatus: 'RUNNING' });
  });
});
