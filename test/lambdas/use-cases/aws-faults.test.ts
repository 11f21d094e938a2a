// The fault scenarios (throttling, conflicts, not-found) driven through the REAL AWS adapters: use
// cases over the DynamoDB store on dynalite and over EcsTaskRunner / EventBridgeScheduler /
// EventBridgeEventPublisher, whose SDK clients are mocked with aws-sdk-client-mock and throw the
// SDKs' real exception classes. The use-case tests cover the same paths with fakes; this file
// proves that the adapters' reading of AWS errors and the use cases' compensation agree.
import {
  DescribeTasksCommand,
  type DescribeTasksCommandInput,
  type DescribeTasksCommandOutput,
  ECSClient,
  type Failure,
  InvalidParameterException,
  ListTasksCommand,
  type ListTasksCommandInput,
  type ListTasksCommandOutput,
  RunTaskCommand,
  type RunTaskCommandInput,
  type RunTaskCommandOutput,
  StopTaskCommand,
  type StopTaskCommandInput,
  type StopTaskCommandOutput,
} from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput, type PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EcsTaskRunner, fixedTargets } from '../../../lambdas/adapters/aws/ecs-task-runner';
import { EventBridgeEventPublisher } from '../../../lambdas/adapters/aws/eventbridge-event-publisher';
import { EventBridgeScheduler } from '../../../lambdas/adapters/aws/eventbridge-scheduler';
import { createTables } from '../../../local/dynamodb/create-tables';
import { DynamoDbIdempotencyKeys } from '../../../lambdas/adapters/dynamodb/dynamodb-idempotency-keys';
import { DynamoDbOwnerSlots } from '../../../lambdas/adapters/dynamodb/dynamodb-owner-slots';
import { DynamoDbSessionStore } from '../../../lambdas/adapters/dynamodb/dynamodb-session-store';
import { UnavailableError } from '../../../lambdas/domain/errors';
import { type Session, iso, ms } from '../../../lambdas/domain/session';
import { fixedProfiles } from '../../../lambdas/ports/profile-catalog';
import { createSession } from '../../../lambdas/use-cases/create-session';
import { type UseCaseDeps } from '../../../lambdas/use-cases/use-case-deps';
import { expireSession } from '../../../lambdas/use-cases/expire-session';
import { handleTaskEvent } from '../../../lambdas/use-cases/handle-task-event';
import { sweep, taskIdOf } from '../../../lambdas/use-cases/sweep';
import { terminateSession } from '../../../lambdas/use-cases/terminate-session';
import { ecsThrottling, schedulerThrottling } from '../../support/aws-exceptions';
import { type DynaliteHandle, startDynalite } from '../../support/dynalite';
import {
  FakeClock,
  FakeTaskRunner,
  MINUTE,
  RecordingLog,
  RecordingMetrics,
  SECOND,
  T0,
  TEST_PROFILES,
  TEST_SETTINGS,
} from '../../support/fakes';
import { sessionFixture } from '../../support/session-fixture';

const OWNER = 'alice';
const CLUSTER = 'arn:aws:ecs:eu-west-1:123456789012:cluster/sessions';
const SCHEDULE_GROUP = 'session-expiry';

/** A mocked call's answer: what `fn` returns, or a rejection with what it throws (as `send` would). */
const answer = <T>(fn: () => T): Promise<T> => new Promise<T>((resolve) => resolve(fn()));

interface EcsTask {
  taskArn: string;
  sessionId: string;
  lastStatus: string;
  createdAt: number;
}

/**
 * The ECS the mocked client answers from: tasks by ARN, RunTask/StopTask/ListTasks/DescribeTasks
 * as ECS answers them, and faults a test programs. A stopped task is STOPPED by the next look
 * (real ECS takes seconds; the sweep's view is what matters here).
 */
class EcsWorld {
  readonly tasks = new Map<string, EcsTask>();
  /** RunTask throws this. */
  runError: Error | undefined;
  /** RunTask starts nothing and answers these failures. */
  runFailures: Failure[] | undefined;
  /** StopTask of a task for which this returns an error throws it. */
  stopFault: ((taskArn: string) => Error | undefined) | undefined;

  constructor(private readonly clock: FakeClock) {}

  add(task: Omit<EcsTask, 'taskArn' | 'createdAt'> & Partial<EcsTask>): EcsTask {
    const added: EcsTask = { taskArn: FakeTaskRunner.newArn(), createdAt: this.clock.now(), ...task };
    this.tasks.set(added.taskArn, added);
    return added;
  }

  statusOf(taskArn: string): string | undefined {
    return this.tasks.get(taskArn)?.lastStatus;
  }

  notStopped(): EcsTask[] {
    return [...this.tasks.values()].filter((t) => t.lastStatus !== 'STOPPED');
  }

  runTask(input: RunTaskCommandInput): Partial<RunTaskCommandOutput> {
    if (this.runError !== undefined) throw this.runError;
    if (this.runFailures !== undefined) return { tasks: [], failures: this.runFailures };
    const sessionId = input.clientToken ?? '';
    // clientToken makes RunTask idempotent: the same token answers the task it started before.
    const task = [...this.tasks.values()].find((t) => t.sessionId === sessionId) ?? this.add({ sessionId, lastStatus: 'PROVISIONING' });
    return { tasks: [{ taskArn: task.taskArn, lastStatus: task.lastStatus }], failures: [] };
  }

  stopTask(input: StopTaskCommandInput): Partial<StopTaskCommandOutput> {
    const taskArn = input.task ?? '';
    const fault = this.stopFault?.(taskArn);
    if (fault !== undefined) throw fault;
    const task = this.tasks.get(taskArn);
    if (task === undefined) throw new InvalidParameterException({ message: 'The referenced task was not found.', $metadata: {} });
    task.lastStatus = 'STOPPED';
    return { task: { taskArn, lastStatus: 'STOPPED' } };
  }

  listTasks(input: ListTasksCommandInput): Partial<ListTasksCommandOutput> {
    const arns = this.notStopped().map((t) => t.taskArn);
    const from = Number(input.nextToken ?? '0');
    const to = from + (input.maxResults ?? 100);
    return { taskArns: arns.slice(from, to), ...(to < arns.length && { nextToken: String(to) }) };
  }

  describeTasks(input: DescribeTasksCommandInput): Partial<DescribeTasksCommandOutput> {
    const arns = input.tasks ?? [];
    const found = arns.flatMap((arn) => {
      const task = this.tasks.get(arn);
      return task === undefined ? [] : [task];
    });
    return {
      tasks: found.map((t) => ({
        taskArn: t.taskArn,
        lastStatus: t.lastStatus,
        createdAt: new Date(t.createdAt),
        tags: [{ key: 'session-id', value: t.sessionId }],
      })),
      failures: arns.filter((arn) => !this.tasks.has(arn)).map((arn) => ({ arn, reason: 'MISSING' })),
    };
  }
}

describe('use cases over the AWS adapters with SDK faults', () => {
  const ecs = new ECSClient({ region: 'eu-west-1' });
  const schedulerClient = new SchedulerClient({ region: 'eu-west-1' });
  const eventBridge = new EventBridgeClient({ region: 'eu-west-1' });
  const ecsMock = mockClient(ecs);
  const schedulerMock = mockClient(schedulerClient);
  const eventsMock = mockClient(eventBridge);

  let dynamo: DynaliteHandle;
  let clock: FakeClock;
  let world: EcsWorld;
  let log: RecordingLog;
  let metrics: RecordingMetrics;
  let d: UseCaseDeps;

  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => {
    ecsMock.restore();
    schedulerMock.restore();
    eventsMock.restore();
    await dynamo?.stop();
  });

  beforeEach(async () => {
    // Fresh tables per test: the sweep looks at every live session in the table.
    const suffix = randomUUID().slice(0, 8);
    const tables = { sessions: `sessions-${suffix}`, idempotency: `idempotency-${suffix}`, workspaces: `workspaces-${suffix}` };
    await createTables(dynamo.client, tables, { pollMs: 10 });

    clock = new FakeClock(T0);
    world = new EcsWorld(clock);
    ecsMock.reset();
    ecsMock.on(RunTaskCommand).callsFake((input: RunTaskCommandInput) => answer(() => world.runTask(input)));
    ecsMock.on(StopTaskCommand).callsFake((input: StopTaskCommandInput) => answer(() => world.stopTask(input)));
    ecsMock.on(ListTasksCommand).callsFake((input: ListTasksCommandInput) => answer(() => world.listTasks(input)));
    ecsMock.on(DescribeTasksCommand).callsFake((input: DescribeTasksCommandInput) => answer(() => world.describeTasks(input)));
    schedulerMock.reset();
    schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:eu-west-1:123456789012:schedule/x' });
    schedulerMock.on(DeleteScheduleCommand).resolves({});
    eventsMock.reset();
    eventsMock.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) =>
      answer((): Partial<PutEventsCommandOutput> => ({
        FailedEntryCount: 0,
        Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `event-${i}` })),
      })),
    );

    log = new RecordingLog();
    metrics = new RecordingMetrics();
    d = {
      store: new DynamoDbSessionStore({ client: dynamo.doc, tableName: tables.sessions, shardCount: 4, retentionDays: 30 }),
      idempotencyKeys: new DynamoDbIdempotencyKeys({ client: dynamo.doc, tableName: tables.idempotency }),
      ownerSlots: new DynamoDbOwnerSlots({ client: dynamo.doc, tableName: tables.idempotency }),
      tasks: new EcsTaskRunner(ecs, {
        clusterArn: CLUSTER,
        subnetIds: ['subnet-a'],
        securityGroupIds: ['sg-1'],
        assignPublicIp: false,
        profiles: fixedTargets(
          Object.fromEntries(
            Object.keys(TEST_PROFILES).map((name) => [name, { taskDefinitionArn: `arn:aws:ecs:eu-west-1:123456789012:task-definition/${name}:1`, containerName: 'session' }]),
          ),
        ),
        startedBy: 'se-aws-faults-0a1b2c3d',
        clock,
      }),
      scheduler: new EventBridgeScheduler(schedulerClient, {
        groupName: SCHEDULE_GROUP,
        targetArn: 'arn:aws:lambda:eu-west-1:123456789012:function:expire',
        roleArn: 'arn:aws:iam::123456789012:role/scheduler',
        dlqArn: 'arn:aws:sqs:eu-west-1:123456789012:schedule-dlq',
        clock,
      }),
      events: new EventBridgeEventPublisher(eventBridge, { eventBusName: 'sessions' }),
      clock,
      log,
      metrics,
      profiles: fixedProfiles(TEST_PROFILES),
      settings: TEST_SETTINGS,
    };
  });

  /** The details of the domain events put on the bus, of one type. */
  const published = (type: string): Record<string, unknown>[] =>
    eventsMock
      .commandCalls(PutEventsCommand)
      .flatMap((call) => call.args[0].input.Entries ?? [])
      .filter((entry) => entry.DetailType === type)
      .map((entry) => JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>);

  const stopCallsOf = (taskArn: string) => ecsMock.commandCalls(StopTaskCommand).filter((c) => c.args[0].input.task === taskArn);
  const deletedSchedules = (): (string | undefined)[] => schedulerMock.commandCalls(DeleteScheduleCommand).map((c) => c.args[0].input.Name);

  const stored = async (id: string): Promise<Session> => {
    const session = await d.store.get(id);
    if (session === undefined) throw new Error(`no session ${id}`);
    return session;
  };

  /** The owner's one session, whatever happened to it. */
  const onlySessionOf = async (ownerId: string): Promise<Session> => {
    const { items } = await d.store.listByOwner(ownerId, { status: 'all', limit: 10 });
    expect(items).toHaveLength(1);
    return items[0];
  };

  /** A session created through the use case whose task reported RUNNING. */
  const runningSession = async (): Promise<{ session: Session; taskArn: string }> => {
    const { session: created } = await createSession(d, { ownerId: OWNER, profile: 'notebook' });
    const taskArn = created.taskArn ?? '';
    const task = world.tasks.get(taskArn);
    if (task === undefined) throw new Error('create started no task');
    task.lastStatus = 'RUNNING';
    await handleTaskEvent(d, { taskArn, lastStatus: 'RUNNING', sessionId: created.id });
    return { session: await stored(created.id), taskArn };
  };

  describe('StopTask throttled on expiry', () => {
    it('rejects with the session left stopping; later sweeps stop the task again and record it stopped', async () => {
      // Arrange
      const { session, taskArn } = await runningSession();
      clock.set(ms(session.expiresAt) + SECOND);
      world.stopFault = () => ecsThrottling();

      // Act
      const expiring = expireSession(d, { sessionId: session.id, scheduleName: session.scheduleName ?? '' });

      // Assert
      await expect(expiring).rejects.toBeInstanceOf(UnavailableError);
      expect(await stored(session.id)).toMatchObject({ status: 'stopping', endReason: 'idle_timeout', taskArn });
      expect(world.statusOf(taskArn)).toBe('RUNNING');

      // Act: ECS recovers; the sweep runs after the stop grace (stop timeout 30 s + 30 s) has passed.
      world.stopFault = undefined;
      clock.advance(2 * MINUTE);
      const first = await sweep(d, { dryRun: false });
      const second = await sweep(d, { dryRun: false });

      // Assert
      const item = { sessionId: session.id, taskId: taskIdOf(taskArn) };
      expect(first).toMatchObject({ expired: [], lost: [], orphans: [], failures: [], stuck: [{ ...item, action: 'stop_again' }] });
      expect(stopCallsOf(taskArn)).toHaveLength(2);
      expect(stopCallsOf(taskArn)[1]?.args[0].input.reason).toBe('session-expiry: idle_timeout');
      expect(world.statusOf(taskArn)).toBe('STOPPED');
      expect(second).toMatchObject({ expired: [], lost: [], orphans: [], failures: [], stuck: [{ ...item, action: 'mark_stopped' }] });
      const ended = await stored(session.id);
      expect(ended).toMatchObject({ status: 'stopped', endReason: 'idle_timeout', endedAt: iso(clock.now()) });
      expect(ended.scheduleName).toBeUndefined();
      expect(published('Session Ended')).toEqual([expect.objectContaining({ sessionId: session.id, reason: 'idle_timeout' })]);
    });
  });

  describe('StopTask throttled once: whichever comes first sends it again, within seconds', () => {
    /** ECS throttles the first StopTask of the task, then recovers. */
    const throttleFirstStop = (): void => {
      let throttled = false;
      world.stopFault = () => {
        if (throttled) return undefined;
        throttled = true;
        return ecsThrottling();
      };
    };

    it('the retried fire stops the task, and the STOPPED event ends the session', async () => {
      const { session, taskArn } = await runningSession();
      clock.set(ms(session.expiresAt) + SECOND);
      throttleFirstStop();
      const fire = { sessionId: session.id, scheduleName: session.scheduleName ?? '' };

      await expect(expireSession(d, fire)).rejects.toBeInstanceOf(UnavailableError);
      expect(await stored(session.id)).toMatchObject({ status: 'stopping', stopFailedAt: iso(clock.now()) });

      clock.advance(2 * SECOND);
      await expect(expireSession(d, fire)).resolves.toEqual({ outcome: 'stop_resent' });

      expect(stopCallsOf(taskArn).map((c) => c.args[0].input.reason)).toEqual(['session-expiry: idle_timeout', 'session-expiry: idle_timeout']);
      expect(world.statusOf(taskArn)).toBe('STOPPED');
      expect(await stored(session.id)).toMatchObject({ status: 'stopping', stopConfirmedAt: iso(clock.now()) });
      await handleTaskEvent(d, { taskArn, lastStatus: 'STOPPED', sessionId: session.id, stoppedReason: 'Task stopped by user' });
      expect(await stored(session.id)).toMatchObject({ status: 'stopped', endReason: 'idle_timeout' });
      expect(published('Session Ended')).toEqual([expect.objectContaining({ sessionId: session.id, reason: 'idle_timeout' })]);
    });

    it('a second DELETE stops the task; a third sends nothing more', async () => {
      const { session, taskArn } = await runningSession();
      throttleFirstStop();
      const caller = { ownerId: OWNER, isAdmin: false };

      await expect(terminateSession(d, { id: session.id, caller })).rejects.toBeInstanceOf(UnavailableError);
      clock.advance(SECOND);
      const second = await terminateSession(d, { id: session.id, caller });
      const third = await terminateSession(d, { id: session.id, caller });

      expect([second.initiated, third.initiated]).toEqual([true, false]);
      expect(stopCallsOf(taskArn)).toHaveLength(2);
      expect(world.statusOf(taskArn)).toBe('STOPPED');
      expect(await stored(session.id)).toMatchObject({ status: 'stopping', endReason: 'user_request' });
    });

    it('the next sweep sends it at once, without waiting for the stop timeout', async () => {
      const { session, taskArn } = await runningSession();
      throttleFirstStop();

      await expect(terminateSession(d, { id: session.id, caller: { ownerId: OWNER, isAdmin: false } })).rejects.toBeInstanceOf(UnavailableError);
      clock.advance(5 * SECOND);
      const report = await sweep(d, { dryRun: false });

      expect(report).toMatchObject({ failures: [], stuck: [{ sessionId: session.id, taskId: taskIdOf(taskArn), action: 'stop_again' }] });
      expect(stopCallsOf(taskArn)).toHaveLength(2);
      expect(world.statusOf(taskArn)).toBe('STOPPED');
    });
  });

  describe('RunTask failure', () => {
    it.each([
      { fault: 'answers a RESOURCE placement failure', arrange: (w: EcsWorld) => (w.runFailures = [{ reason: 'RESOURCE:MEMORY', detail: 'no capacity' }]) },
      { fault: 'is throttled', arrange: (w: EcsWorld) => (w.runError = ecsThrottling()) },
    ])('when RunTask $fault: create rejects, the session is failed, no task runs and the schedule is deleted', async ({ arrange }) => {
      // Arrange
      arrange(world);

      // Act
      const creating = createSession(d, { ownerId: OWNER, profile: 'notebook' });

      // Assert
      await expect(creating).rejects.toBeInstanceOf(UnavailableError);
      const session = await onlySessionOf(OWNER);
      expect(session).toMatchObject({ status: 'failed', endReason: 'start_failed', endedAt: iso(T0) });
      expect(session.taskArn).toBeUndefined();
      expect(session.scheduleName).toBeUndefined();
      expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(1);
      expect(ecsMock.commandCalls(RunTaskCommand)[0]?.args[0].input.clientToken).toBe(session.id);
      expect(world.notStopped()).toEqual([]);
      expect(ecsMock.commandCalls(StopTaskCommand)).toEqual([]);
      const armed = schedulerMock.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input.Name);
      expect(armed).toEqual([`${session.id}-1`]);
      expect(schedulerMock.commandCalls(DeleteScheduleCommand).map((c) => c.args[0].input)).toEqual([
        { Name: `${session.id}-1`, GroupName: SCHEDULE_GROUP },
      ]);
      expect(await d.ownerSlots.holders({ ownerId: OWNER, profile: 'notebook' })).toEqual([]);
      expect(published('Session Created')).toEqual([]);
      expect(published('Session Ended')).toEqual([expect.objectContaining({ sessionId: session.id, reason: 'start_failed' })]);

      // Act: a later sweep, past the orphan grace and the stuck limit.
      clock.advance(15 * MINUTE);
      const later = await sweep(d, { dryRun: false });

      // Assert: nothing was left behind to repair.
      expect(later).toMatchObject({ expired: [], stuck: [], lost: [], orphans: [], failures: [] });
    });

    it('when CreateSchedule is throttled: create rejects before any RunTask, and the session is failed', async () => {
      // Arrange
      schedulerMock.on(CreateScheduleCommand).rejects(schedulerThrottling());

      // Act
      const creating = createSession(d, { ownerId: OWNER, profile: 'notebook' });

      // Assert
      await expect(creating).rejects.toBeInstanceOf(UnavailableError);
      expect(await onlySessionOf(OWNER)).toMatchObject({ status: 'failed', endReason: 'start_failed' });
      expect(ecsMock.commandCalls(RunTaskCommand)).toEqual([]);
      expect(world.tasks.size).toBe(0);
    });
  });

  describe('Scheduler ConflictException and ResourceNotFoundException', () => {
    it('CreateSchedule answering ConflictException (the name exists already) counts as armed: the session starts', async () => {
      // Arrange
      schedulerMock
        .on(CreateScheduleCommand)
        .rejects(new ConflictException({ message: 'Schedule already exists.', Message: 'Schedule already exists.', $metadata: { httpStatusCode: 409 } }));

      // Act
      const { session, activityToken } = await createSession(d, { ownerId: OWNER, profile: 'notebook' });

      // Assert
      expect(activityToken).toEqual(expect.any(String));
      const [task] = world.notStopped();
      expect(task).toMatchObject({ sessionId: session.id, lastStatus: 'PROVISIONING' });
      expect(await stored(session.id)).toMatchObject({
        status: 'starting',
        taskArn: task?.taskArn,
        scheduleName: `${session.id}-1`,
        scheduleSeq: 1,
      });
      expect(deletedSchedules()).toEqual([]);
      expect(published('Session Created')).toEqual([expect.objectContaining({ sessionId: session.id })]);
      expect(log.at('error')).toEqual([]);
    });

    it('DeleteSchedule answering ResourceNotFoundException (it fired and deleted itself): terminate succeeds quietly', async () => {
      // Arrange
      const { session, taskArn } = await runningSession();
      schedulerMock
        .on(DeleteScheduleCommand)
        .rejects(new ResourceNotFoundException({ message: 'Schedule not found.', Message: 'Schedule not found.', $metadata: { httpStatusCode: 404 } }));

      // Act
      const result = await terminateSession(d, { id: session.id, caller: { ownerId: OWNER, isAdmin: false } });

      // Assert
      expect(result.initiated).toBe(true);
      expect(result.session).toMatchObject({ status: 'stopping', endReason: 'user_request' });
      expect(stopCallsOf(taskArn).map((c) => c.args[0].input)).toEqual([
        { cluster: CLUSTER, task: taskArn, reason: 'session-expiry: user_request' },
      ]);
      expect(deletedSchedules()).toEqual([`${session.id}-1`]);
      // An already deleted schedule is success for the adapter, not a failed disarm.
      expect(log.at('warn')).toEqual([]);

      // Act: the task's STOPPED event arrives.
      await handleTaskEvent(d, { taskArn, lastStatus: 'STOPPED', sessionId: session.id });

      // Assert
      expect(await stored(session.id)).toMatchObject({ status: 'stopped', endReason: 'user_request' });
      expect(published('Session Ended')).toEqual([expect.objectContaining({ sessionId: session.id, reason: 'user_request' })]);
    });

    it('DeleteSchedule throttled: terminate still succeeds, and the failed disarm is logged (its fire will be stale)', async () => {
      // Arrange
      const { session } = await runningSession();
      schedulerMock.on(DeleteScheduleCommand).rejects(schedulerThrottling());

      // Act
      const result = await terminateSession(d, { id: session.id, caller: { ownerId: OWNER, isAdmin: false } });

      // Assert
      expect(result).toMatchObject({ initiated: true, session: { status: 'stopping', endReason: 'user_request' } });
      expect(log.at('warn')).toEqual(['could not disarm schedule; its fire will be stale']);
    });
  });

  describe('a sweep over 100 overdue sessions where 3 StopTasks are throttled', () => {
    it('stops 97, reports 3, and later sweeps stop the 3 and record all 100 stopped', async () => {
      // Arrange: 100 running sessions whose idle deadline passed a minute ago, each with its task.
      const createdAt = iso(T0 - 16 * MINUTE);
      const sessions = Array.from({ length: 100 }, (_, i) => {
        const id = randomUUID();
        const task = world.add({ sessionId: id, lastStatus: 'RUNNING', createdAt: ms(createdAt) });
        return sessionFixture({ id, ownerId: `owner-${i % 10}`, profile: 'notebook', createdAt, taskArn: task.taskArn });
      });
      expect(await Promise.all(sessions.map((s) => d.store.create(s)))).toEqual(sessions.map(() => true));
      const failing = sessions.slice(40, 43);
      const failingArns = new Set(failing.map((s) => s.taskArn));
      world.stopFault = (taskArn) => (failingArns.has(taskArn) ? ecsThrottling() : undefined);

      // Act
      const first = await sweep(d, { dryRun: false });

      // Assert
      expect(first.expired).toHaveLength(97);
      expect(first.expired.every((i) => i.action === 'stop')).toBe(true);
      expect(first.failures).toHaveLength(3);
      expect(first.failures).toEqual(
        expect.arrayContaining(failing.map((s) => ({ sessionId: s.id, taskId: taskIdOf(s.taskArn ?? ''), action: 'stop', error: 'unavailable' }))),
      );
      expect(JSON.stringify(first)).not.toContain('arn:');
      expect(world.notStopped().map((t) => t.taskArn).sort()).toEqual([...failingArns].sort());
      const afterFirst = await Promise.all(sessions.map((s) => stored(s.id)));
      // Every stop was won first (stopping, reason recorded); the 3 failed StopTasks stay stopping for the sweep.
      expect(afterFirst.every((s) => s.status === 'stopping' && s.endReason === 'idle_timeout')).toBe(true);
      expect(deletedSchedules().sort()).toEqual(sessions.filter((s) => !failingArns.has(s.taskArn)).map((s) => `${s.id}-1`).sort());
      expect(metrics.total('SweepFailures')).toBe(3);

      // Act: StopTask is healthy again; sweeps run after the stop grace.
      world.stopFault = undefined;
      clock.advance(2 * MINUTE);
      const second = await sweep(d, { dryRun: false });
      const third = await sweep(d, { dryRun: false });

      // Assert
      expect(second.failures).toEqual([]);
      expect(second.stuck.filter((i) => i.action === 'stop_again').map((i) => i.sessionId).sort()).toEqual(failing.map((s) => s.id).sort());
      expect(second.stuck.filter((i) => i.action === 'mark_stopped')).toHaveLength(97);
      for (const arn of failingArns) expect(stopCallsOf(arn ?? '')).toHaveLength(2);
      expect(world.notStopped()).toEqual([]);
      expect(third).toMatchObject({ expired: [], lost: [], orphans: [], failures: [] });
      expect(third.stuck.map((i) => i.sessionId).sort()).toEqual(failing.map((s) => s.id).sort());
      const finalRecords = await Promise.all(sessions.map((s) => stored(s.id)));
      expect(finalRecords.filter((s) => s.status === 'stopped' && s.endReason === 'idle_timeout')).toHaveLength(100);
      expect(published('Session Ended')).toHaveLength(100);
    });
  });
});
