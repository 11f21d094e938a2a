// In-memory ports for use-case tests. The store keeps the SessionStore contract exactly (conditional
// writes that bump `version` and answer a failed condition with the current item), so races can be
// staged deterministically; the other fakes record every call and fail on demand.
import { randomBytes } from 'node:crypto';
import { ValidationError } from '../../lambdas/domain/errors';
import { type Profile } from '../../lambdas/domain/profile';
import { type Session, type SessionStatus, ENDED_STATUSES, LIVE_STATUSES, SESSION_STATUSES, ms } from '../../lambdas/domain/session';
import { type Clock } from '../../lambdas/ports/clock';
import { type EventPublisher, type SessionEvent } from '../../lambdas/ports/event-publisher';
import { type ArmRequest, type ExpiryFire, type ExpiryScheduler } from '../../lambdas/ports/expiry-scheduler';
import { type Log, type LogExtra, type MetricDimensions, type MetricName, type Metrics } from '../../lambdas/ports/observability';
import {
  type IdempotencyRecord,
  type OwnerSlot,
  type Page,
  type SessionPatch,
  type SessionStore,
  type StatusCounts,
  type StatusFilter,
  type WriteExpectation,
  type WriteResult,
} from '../../lambdas/ports/session-store';
import { type ManagedTask, type StartTaskRequest, type TaskRunner } from '../../lambdas/ports/task-runner';
import { DEFAULT_SETTINGS, type UseCaseDeps, type UseCaseSettings } from '../../lambdas/use-cases/deps';

/** 2026-03-10T12:00:00Z: the instant fake clocks start at. */
export const T0 = Date.parse('2026-03-10T12:00:00.000Z');
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** Programmable failures of one fake, per operation: the next N calls, or calls matching a rule. */
export class FailurePlan<Op extends string> {
  private readonly queued = new Map<Op, Error[]>();
  private readonly rules = new Map<Op, (args: readonly unknown[]) => Error | undefined>();

  /** The next `times` calls of `op` throw `error`. */
  failNext(op: Op, error: Error, times = 1): void {
    this.queued.set(op, [...(this.queued.get(op) ?? []), ...Array<Error>(times).fill(error)]);
  }

  /** Every call of `op` for which `rule` returns an error throws it (until cleared). */
  failWhen(op: Op, rule: (args: readonly unknown[]) => Error | undefined): void {
    this.rules.set(op, rule);
  }

  clear(): void {
    this.queued.clear();
    this.rules.clear();
  }

  /** Throws the planned error for this call, if any. */
  check(op: Op, ...args: readonly unknown[]): void {
    const queue = this.queued.get(op);
    const next = queue?.shift();
    if (next !== undefined) throw next;
    const error = this.rules.get(op)?.(args);
    if (error !== undefined) throw error;
  }
}

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

type StoreOp =
  | 'create'
  | 'get'
  | 'update'
  | 'listByOwner'
  | 'listDue'
  | 'listLive'
  | 'countByStatus'
  | 'claimIdempotencyKey'
  | 'claimOwnerSlot'
  | 'ownerSlots'
  | 'releaseOwnerSlot';

/** A SessionStore in memory. Each call is atomic (no await inside), like one DynamoDB request. */
export class InMemorySessionStore implements SessionStore {
  readonly sessions = new Map<string, Session>();
  readonly idempotency = new Map<string, IdempotencyRecord>();
  /** Per owner: the sessions holding a slot → epoch ms of their claim (an owner with none has no entry). */
  readonly slotHolders = new Map<string, Map<string, number>>();
  readonly failures = new FailurePlan<StoreOp>();
  /** Every update call, in order (also the ones whose condition failed). */
  readonly updates: { id: string; patch: SessionPatch; expect: WriteExpectation; ok: boolean }[] = [];
  /**
   * Runs before an update is applied and may change the store: how a test stages a concurrent
   * writer landing between a use case's read and its write.
   */
  beforeUpdate?: (id: string, patch: SessionPatch, expect: WriteExpectation) => void | Promise<void>;

  /** Puts a session as it is (test setup); returns it. */
  seed(session: Session): Session {
    this.sessions.set(session.id, copy(session));
    return session;
  }

  /** The stored session; throws if there is none (test assertions). */
  peek(id: string): Session {
    const session = this.sessions.get(id);
    if (session === undefined) throw new Error(`no session ${id}`);
    return copy(session);
  }

  all(): Session[] {
    return [...this.sessions.values()].map(copy);
  }

  async create(session: Session): Promise<boolean> {
    await Promise.resolve();
    this.failures.check('create', session);
    if (this.sessions.has(session.id)) return false;
    this.sessions.set(session.id, copy(session));
    return true;
  }

  async get(id: string): Promise<Session | undefined> {
    await Promise.resolve();
    this.failures.check('get', id);
    const session = this.sessions.get(id);
    return session === undefined ? undefined : copy(session);
  }

  async update(id: string, patch: SessionPatch, expect: WriteExpectation): Promise<WriteResult> {
    await this.beforeUpdate?.(id, patch, expect);
    await Promise.resolve();
    this.failures.check('update', id, patch, expect);
    const current = this.sessions.get(id);
    const ok = current !== undefined && InMemorySessionStore.holds(current, expect);
    this.updates.push({ id, patch: copy(patch), expect: copy(expect), ok });
    if (!ok) return { ok: false, current: current === undefined ? undefined : copy(current) };
    const next: Record<string, unknown> = { ...current };
    for (const [key, value] of Object.entries(patch)) {
      if (key === 'id' || key === 'version') throw new TypeError(`a patch may not set ${key}`);
      if (value === null) delete next[key];
      else if (value !== undefined) next[key] = copy(value);
    }
    next.version = current.version + 1;
    this.sessions.set(id, next as unknown as Session);
    return { ok: true, session: copy(next as unknown as Session) };
  }

  private static holds(s: Session, expect: WriteExpectation): boolean {
    if (expect.statusIn !== undefined && !expect.statusIn.includes(s.status)) return false;
    if (expect.ownerId !== undefined && s.ownerId !== expect.ownerId) return false;
    if (expect.version !== undefined && s.version !== expect.version) return false;
    if (expect.scheduleName === null && s.scheduleName !== undefined) return false;
    if (typeof expect.scheduleName === 'string' && s.scheduleName !== expect.scheduleName) return false;
    return true;
  }

  async listByOwner(ownerId: string, opts: { status: StatusFilter; limit: number; nextToken?: string }): Promise<Page<Session>> {
    await Promise.resolve();
    this.failures.check('listByOwner', ownerId, opts);
    if (!Number.isInteger(opts.limit) || opts.limit < 1) throw new ValidationError('limit', 'limit must be a positive whole number');
    const wanted: readonly SessionStatus[] = opts.status === 'live' ? LIVE_STATUSES : opts.status === 'ended' ? ENDED_STATUSES : SESSION_STATUSES;
    const mine = [...this.sessions.values()]
      .filter((s) => s.ownerId === ownerId && wanted.includes(s.status))
      .sort((a, b) => ms(b.createdAt) - ms(a.createdAt) || (a.id < b.id ? 1 : -1));
    const start = opts.nextToken === undefined ? 0 : Number(Buffer.from(opts.nextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw new ValidationError('nextToken', 'nextToken is not a token this API issued');
    const items = mine.slice(start, start + opts.limit).map(copy);
    const end = start + items.length;
    return { items, ...(end < mine.length && { nextToken: Buffer.from(String(end)).toString('base64url') }) };
  }

  async listDue(epochMs: number): Promise<Session[]> {
    await Promise.resolve();
    this.failures.check('listDue', epochMs);
    return this.live().filter((s) => ms(s.expiresAt) <= epochMs);
  }

  async listLive(): Promise<Session[]> {
    await Promise.resolve();
    this.failures.check('listLive');
    return this.live();
  }

  private live(): Session[] {
    return [...this.sessions.values()]
      .filter((s) => LIVE_STATUSES.includes(s.status))
      .sort((a, b) => ms(a.expiresAt) - ms(b.expiresAt))
      .map(copy);
  }

  async claimOwnerSlot(ownerId: string, sessionId: string, max: number, nowMs: number): Promise<boolean> {
    await Promise.resolve();
    this.failures.check('claimOwnerSlot', ownerId, sessionId, max, nowMs);
    if (!Number.isInteger(max) || max < 1) throw new RangeError('max must be a positive integer');
    const holders = this.slotHolders.get(ownerId) ?? new Map<string, number>();
    if (!holders.has(sessionId) && holders.size >= max) return false;
    holders.set(sessionId, nowMs);
    this.slotHolders.set(ownerId, holders);
    return true;
  }

  async ownerSlots(ownerId: string): Promise<OwnerSlot[]> {
    await Promise.resolve();
    this.failures.check('ownerSlots', ownerId);
    return [...(this.slotHolders.get(ownerId) ?? new Map<string, number>())]
      .map(([sessionId, claimedAtMs]) => ({ sessionId, claimedAtMs }))
      .sort((a, b) => a.claimedAtMs - b.claimedAtMs || (a.sessionId < b.sessionId ? -1 : 1));
  }

  async releaseOwnerSlot(ownerId: string, sessionId: string, ifClaimedAtMs?: number): Promise<void> {
    await Promise.resolve();
    this.failures.check('releaseOwnerSlot', ownerId, sessionId, ifClaimedAtMs);
    const holders = this.slotHolders.get(ownerId);
    const claimedAtMs = holders?.get(sessionId);
    if (holders === undefined || claimedAtMs === undefined) return;
    if (ifClaimedAtMs !== undefined && claimedAtMs !== ifClaimedAtMs) return;
    holders.delete(sessionId);
    if (holders.size === 0) this.slotHolders.delete(ownerId);
  }

  async countByStatus(): Promise<StatusCounts> {
    await Promise.resolve();
    this.failures.check('countByStatus');
    const byStatus = Object.fromEntries(SESSION_STATUSES.map((s) => [s, 0])) as Record<SessionStatus, number>;
    for (const s of this.sessions.values()) byStatus[s.status] += 1;
    return { byStatus };
  }

  async claimIdempotencyKey(
    record: IdempotencyRecord,
    nowEpochSeconds: number,
  ): Promise<{ claimed: true } | { claimed: false; existing: IdempotencyRecord }> {
    await Promise.resolve();
    this.failures.check('claimIdempotencyKey', record, nowEpochSeconds);
    const existing = this.idempotency.get(record.key);
    // As in DynamoDB: a record past its expiry is free even before TTL deletes it.
    if (existing !== undefined && existing.expiresAtEpoch >= nowEpochSeconds) return { claimed: false, existing: copy(existing) };
    this.idempotency.set(record.key, copy(record));
    return { claimed: true };
  }
}

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
    maxSessionsPerOwner: 5,
  },
};

export const TEST_SETTINGS: UseCaseSettings = { ...DEFAULT_SETTINGS, apiUrl: 'https://sessions.example.test' };

/** UseCaseDeps made of fakes, typed as the fakes so tests can program and inspect them. */
export interface FakeDeps<S extends SessionStore = InMemorySessionStore> extends UseCaseDeps {
  store: S;
  tasks: FakeTaskRunner;
  scheduler: FakeScheduler;
  events: FakeEvents;
  clock: FakeClock;
  log: RecordingLog;
  metrics: RecordingMetrics;
}

export interface DepsOverrides<S extends SessionStore> {
  /** Another store (the real DynamoDB one against dynalite). */
  store?: S;
  profiles?: Record<string, Profile>;
  settings?: Partial<UseCaseSettings>;
  /** Where the clock starts (default T0). */
  now?: number | string;
}

export const makeDeps = <S extends SessionStore = InMemorySessionStore>(overrides: DepsOverrides<S> = {}): FakeDeps<S> => {
  const clock = new FakeClock(typeof overrides.now === 'string' ? Date.parse(overrides.now) : (overrides.now ?? T0));
  return {
    store: overrides.store ?? (new InMemorySessionStore() as SessionStore as S),
    tasks: new FakeTaskRunner(clock),
    scheduler: new FakeScheduler(),
    events: new FakeEvents(),
    clock,
    log: new RecordingLog(),
    metrics: new RecordingMetrics(),
    profiles: overrides.profiles ?? TEST_PROFILES,
    settings: { ...TEST_SETTINGS, ...overrides.settings },
  };
};

/** A throttling-like failure for fakes (adapters map real throttles to UnavailableError). */
export const throttled = (what = 'Rate exceeded'): Error => Object.assign(new Error(what), { name: 'ThrottlingException' });
