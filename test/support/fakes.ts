// In-memory ports for use-case tests, and `makeDeps`, which puts them together. The three stores
// (sessions, idempotency keys, owner slots) keep their ports' contracts exactly and live in their
// own modules; the other fakes here record every call and fail on demand.
import { randomBytes } from 'node:crypto';
import { type Profile } from '../../lambdas/domain/profile';
import { type Clock } from '../../lambdas/ports/clock';
import { type EventPublisher, type SessionEvent } from '../../lambdas/ports/event-publisher';
import { type ArmRequest, type ExpiryFire, type ExpiryScheduler } from '../../lambdas/ports/expiry-scheduler';
import { type Log, type LogExtra, type MetricDimensions, type MetricName, type Metrics } from '../../lambdas/ports/observability';
import { fixedProfiles } from '../../lambdas/ports/profile-catalog';
import { type ManagedTask, type StartTaskRequest, type TaskRunner } from '../../lambdas/ports/task-runner';
import { DEFAULT_SETTINGS, type UseCaseDeps, type UseCaseSettings } from '../../lambdas/use-cases/use-case-deps';
import { FailurePlan } from './failure-plan';
import { InMemoryIdempotencyKeys } from './fake-idempotency-keys';
import { InMemoryOwnerSlots } from './fake-owner-slots';
import { InMemorySessionStore } from './fake-session-store';
import { T0 } from './time';

// Re-exported so use-case tests take the clock's units from the module that builds their fakes.
export { HOUR, MINUTE, SECOND, T0 } from './time';

export class FakeClock implements Clock {
  constructor(private current: number = T0) {}
  now(): number {
    return this.current;
  }
  set(when: number | string): void {
    this.current = typeof when === 'string' ? Date.parse(when) : when;
  }
  advance(byMs: number): number {
    this.current += byMs;
    return this.current;
  }
}

const copy = <T>(value: T): T => structuredClone(value);

export interface FakeTask extends ManagedTask {
  ownerId?: string;
  profile?: string;
  environment: Record<string, string>;
  stopReason?: string;
}

type TaskOp = 'start' | 'stop' | 'listManaged' | 'describe';

/** A TaskRunner that keeps tasks in `tasks` (by ARN) and records every call. */
export class FakeTaskRunner implements TaskRunner {
  readonly tasks = new Map<string, FakeTask>();
  readonly startCalls: StartTaskRequest[] = [];
  /** Every stop call, also the ones that failed. */
  readonly stopCalls: { taskArn: string; reason: string }[] = [];
  readonly failures = new FailurePlan<TaskOp>();
  /** ECS takes a while to stop a task; set false to keep stopped tasks RUNNING until `finishStop`. */
  stopsImmediately = true;

  constructor(private readonly clock: Clock) {}

  /** Adds a task directly (an orphan, a task of a seeded session). */
  add(task: Partial<FakeTask> & { sessionId?: string } = {}): FakeTask {
    const added: FakeTask = {
      taskArn: task.taskArn ?? FakeTaskRunner.newArn(),
      lastStatus: 'RUNNING',
      createdAt: this.clock.now(),
      environment: {},
      ...task,
    };
    this.tasks.set(added.taskArn, added);
    return { ...added };
  }

  static newArn(): string {
    return `arn:aws:ecs:eu-west-1:123456789012:task/sessions/${randomBytes(16).toString('hex')}`;
  }

  setStatus(taskArn: string, lastStatus: string): void {
    const task = this.tasks.get(taskArn);
    if (task === undefined) throw new Error(`no task ${taskArn}`);
    task.lastStatus = lastStatus;
  }

  /** The task vanishes (ECS forgets stopped tasks after about an hour). */
  remove(taskArn: string): void {
    this.tasks.delete(taskArn);
  }

  taskOf(sessionId: string): FakeTask | undefined {
    return [...this.tasks.values()].find((t) => t.sessionId === sessionId);
  }

  /** Tasks not yet STOPPED. */
  running(): FakeTask[] {
    return [...this.tasks.values()].filter((t) => t.lastStatus !== 'STOPPED');
  }

  async start(request: StartTaskRequest): Promise<{ taskArn: string }> {
    await Promise.resolve();
    this.startCalls.push(copy(request));
    this.failures.check('start', request);
    // Idempotent per session, like RunTask with the session id as client token.
    const existing = this.taskOf(request.sessionId);
    if (existing !== undefined) return { taskArn: existing.taskArn };
    const task = this.add({
      sessionId: request.sessionId,
      ownerId: request.ownerId,
      profile: request.profile,
      environment: { ...request.environment },
      lastStatus: 'PROVISIONING',
    });
    return { taskArn: task.taskArn };
  }

  async stop(taskArn: string, reason: string): Promise<void> {
    await Promise.resolve();
    this.stopCalls.push({ taskArn, reason });
    this.failures.check('stop', taskArn, reason);
    const task = this.tasks.get(taskArn);
    if (task === undefined) return; // already gone: success
    task.stopReason ??= reason;
    if (this.stopsImmediately) task.lastStatus = 'STOPPED';
  }

  finishStop(taskArn: string): void {
    this.setStatus(taskArn, 'STOPPED');
  }

  async listManaged(): Promise<ManagedTask[]> {
    await Promise.resolve();
    this.failures.check('listManaged');
    return this.running().map((t) => FakeTaskRunner.managed(t));
  }

  async describe(taskArns: readonly string[]): Promise<ManagedTask[]> {
    await Promise.resolve();
    this.failures.check('describe', taskArns);
    return taskArns.flatMap((arn) => {
      const task = this.tasks.get(arn);
      return task === undefined ? [] : [FakeTaskRunner.managed(task)];
    });
  }

  private static managed(t: FakeTask): ManagedTask {
    return { taskArn: t.taskArn, lastStatus: t.lastStatus, createdAt: t.createdAt, ...(t.sessionId !== undefined && { sessionId: t.sessionId }) };
  }
}

type SchedulerOp = 'arm' | 'disarm';

/** An ExpiryScheduler that keeps armed schedules in `armed` (by name) and records every call. */
export class FakeScheduler implements ExpiryScheduler {
  readonly armed = new Map<string, ArmRequest>();
  readonly armCalls: ArmRequest[] = [];
  readonly disarmCalls: string[] = [];
  readonly failures = new FailurePlan<SchedulerOp>();

  /** Arm and disarm calls together. */
  get calls(): number {
    return this.armCalls.length + this.disarmCalls.length;
  }

  async arm(request: ArmRequest): Promise<void> {
    await Promise.resolve();
    this.armCalls.push({ ...request });
    this.failures.check('arm', request);
    // Like CreateSchedule with the name as client token: arming a name again keeps the first.
    if (!this.armed.has(request.scheduleName)) this.armed.set(request.scheduleName, { ...request });
  }

  async disarm(scheduleName: string): Promise<void> {
    await Promise.resolve();
    this.disarmCalls.push(scheduleName);
    this.failures.check('disarm', scheduleName);
    this.armed.delete(scheduleName);
  }

  /** The armed schedules of a session, earliest first. */
  armedFor(sessionId: string): ArmRequest[] {
    return [...this.armed.values()].filter((a) => a.sessionId === sessionId).sort((a, b) => a.fireAt - b.fireAt);
  }

  /** Fires a schedule as Scheduler would: it is deleted after firing (ActionAfterCompletion DELETE). */
  fire(scheduleName: string): ExpiryFire {
    const armed = this.armed.get(scheduleName);
    if (armed === undefined) throw new Error(`no schedule ${scheduleName} armed`);
    this.armed.delete(scheduleName);
    return { sessionId: armed.sessionId, scheduleName };
  }
}

export class FakeEvents implements EventPublisher {
  readonly published: SessionEvent[] = [];
  readonly failures = new FailurePlan<'publish'>();

  async publish(events: readonly SessionEvent[]): Promise<void> {
    await Promise.resolve();
    this.failures.check('publish', events);
    this.published.push(...events.map(copy));
  }

  ofType<T extends SessionEvent['type']>(type: T): Extract<SessionEvent, { type: T }>[] {
    return this.published.filter((e): e is Extract<SessionEvent, { type: T }> => e.type === type);
  }
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export class RecordingLog implements Log {
  readonly entries: { level: LogLevel; message: string; extra?: LogExtra }[] = [];
  debug(message: string, extra?: LogExtra): void {
    this.entries.push({ level: 'debug', message, ...(extra && { extra }) });
  }
  info(message: string, extra?: LogExtra): void {
    this.entries.push({ level: 'info', message, ...(extra && { extra }) });
  }
  warn(message: string, extra?: LogExtra): void {
    this.entries.push({ level: 'warn', message, ...(extra && { extra }) });
  }
  error(message: string, extra?: LogExtra): void {
    this.entries.push({ level: 'error', message, ...(extra && { extra }) });
  }
  at(level: LogLevel): string[] {
    return this.entries.filter((e) => e.level === level).map((e) => e.message);
  }
}

interface MetricRecord {
  name: MetricName;
  value: number;
  unit?: 'Milliseconds' | 'Count';
  dimensions?: MetricDimensions;
}

export class RecordingMetrics implements Metrics {
  readonly records: MetricRecord[] = [];
  count(name: MetricName, value = 1, dimensions?: MetricDimensions): void {
    this.records.push({ name, value, ...(dimensions && { dimensions }) });
  }
  observe(name: MetricName, value: number, unit: 'Milliseconds' | 'Count', dimensions?: MetricDimensions): void {
    this.records.push({ name, value, unit, ...(dimensions && { dimensions }) });
  }
  /** Sum of a metric's values, optionally only those with these dimensions. */
  total(name: MetricName, dimensions?: MetricDimensions): number {
    return this.of(name, dimensions).reduce((sum, r) => sum + r.value, 0);
  }
  /** The values recorded for a metric, in order. */
  values(name: MetricName, dimensions?: MetricDimensions): number[] {
    return this.of(name, dimensions).map((r) => r.value);
  }
  private of(name: MetricName, dimensions?: MetricDimensions): MetricRecord[] {
    return this.records.filter(
      (r) =>
        r.name === name &&
        Object.entries(dimensions ?? {}).every(([k, v]) => r.dimensions?.[k as keyof MetricDimensions] === v),
    );
  }
}

/** `notebook`: no warning, no disconnect grace. `lab`: warns 5 min ahead, 10 min disconnect grace. */
export const TEST_PROFILES: Record<string, Profile> = {
  notebook: {
    name: 'notebook',
    idleTimeoutSeconds: { default: 1800, min: 60, max: 14_400 },
    maxLifetimeSeconds: { default: 8 * 3600, min: 600, max: 24 * 3600 },
    activeWithinSeconds: 120,
    idleWithinSeconds: 600,
    stopTimeoutSeconds: 30,
    resourceWarningPercent: 90,
    maxSessionsPerOwner: 5,
  },
  lab: {
    name: 'lab',
    idleTimeoutSeconds: { default: 1800, min: 60, max: 14_400 },
    maxLifetimeSeconds: { default: 8 * 3600, min: 600, max: 24 * 3600 },
    disconnectGraceSeconds: 600,
    warnBeforeSeconds: 300,
    activeWithinSeconds: 120,
    idleWithinSeconds: 600,
    stopTimeoutSeconds: 30,
    resourceWarningPercent: 90,
    maxSessionsPerOwner: 5,
  },
};

export const TEST_SETTINGS: UseCaseSettings = { ...DEFAULT_SETTINGS, apiUrl: 'https://sessions.example.test' };

/** The `startedBy` marker of the test deployment (a handler ignores task events of any other). */
export const TEST_TASK_MARKER = 'se-test-deployment-0a1b2c3d';

/** The three stores of the use cases, as a test provides them. */
export type Stores = Pick<UseCaseDeps, 'store' | 'idempotencyKeys' | 'ownerSlots'>;

/** The stores in memory (the default). */
export interface InMemoryStores extends Stores {
  store: InMemorySessionStore;
  idempotencyKeys: InMemoryIdempotencyKeys;
  ownerSlots: InMemoryOwnerSlots;
}

/** UseCaseDeps made of fakes, typed as the fakes so tests can program and inspect them. */
export type FakeDeps<S extends Stores = InMemoryStores> = UseCaseDeps &
  S & {
    tasks: FakeTaskRunner;
    scheduler: FakeScheduler;
    events: FakeEvents;
    clock: FakeClock;
    log: RecordingLog;
    metrics: RecordingMetrics;
  };

export interface DepsOverrides<S extends Stores> {
  /** Other stores (the real DynamoDB ones against dynalite). */
  stores?: S;
  profiles?: Record<string, Profile>;
  settings?: Partial<UseCaseSettings>;
  /** Where the clock starts (default T0). */
  now?: number | string;
}

const inMemoryStores = (): InMemoryStores => ({
  store: new InMemorySessionStore(),
  idempotencyKeys: new InMemoryIdempotencyKeys(),
  ownerSlots: new InMemoryOwnerSlots(),
});

export const makeDeps = <S extends Stores = InMemoryStores>(overrides: DepsOverrides<S> = {}): FakeDeps<S> => {
  const clock = new FakeClock(typeof overrides.now === 'string' ? Date.parse(overrides.now) : (overrides.now ?? T0));
  return {
    ...(overrides.stores ?? (inMemoryStores() as Stores as S)),
    tasks: new FakeTaskRunner(clock),
    scheduler: new FakeScheduler(),
    events: new FakeEvents(),
    clock,
    log: new RecordingLog(),
    metrics: new RecordingMetrics(),
    profiles: fixedProfiles(overrides.profiles ?? TEST_PROFILES),
    settings: { ...TEST_SETTINGS, ...overrides.settings },
  };
};

/** A throttling-like failure for fakes (adapters map real throttles to UnavailableError). */
export const throttled = (what = 'Rate exceeded'): Error => Object.assign(new Error(what), { name: 'ThrottlingException' });
