// What a heartbeat costs. Ours (lazy re-arming, README "How a session's deadline works"): at most
// one conditional UpdateItem and zero Scheduler calls; pings and interactions closer together than
// 5% of the idle timeout write nothing; the schedule moves only when it fires and finds the
// deadline moved later.
// The naive design moves the schedule on every heartbeat. Both run the same seeded workload through
// the in-memory fakes with a controllable clock, and every call is counted.
import { type Heartbeat, type HeartbeatKind, applyHeartbeat, computeDeadline, heartbeatWriteThresholdMs } from '../../lambdas/domain/deadline-policy';
import { ConflictError } from '../../lambdas/domain/errors';
import { iso, ms } from '../../lambdas/domain/session';
import { ACCEPTS_ACTIVITY } from '../../lambdas/domain/state-machine';
import { type SessionPatch } from '../../lambdas/ports/session-store';
import { createSession } from '../../lambdas/use-cases/create-session';
import { expireSession } from '../../lambdas/use-cases/expire-session';
import { handleTaskEvent } from '../../lambdas/use-cases/handle-task-event';
import { recordHeartbeat } from '../../lambdas/use-cases/record-heartbeat';
import { type FakeDeps, makeDeps } from '../../test/support/fakes';
import { type BenchCase, type BenchContext, type CaseResult, checkAborted } from '../lib/bench-case';
import { benchProfile } from '../lib/bench-profile';
import { seededRandom } from '../lib/random';
import { num, ratioText } from '../lib/table';

const SECOND = 1000;
const IDLE_TIMEOUT_SECONDS = 900;
const SEED = 20_260_310;
const THRESHOLD_SECONDS = heartbeatWriteThresholdMs(IDLE_TIMEOUT_SECONDS) / SECOND;
/** Each session's one client names its connection in every report. */
const CONNECTION_ID = 'tab-1';

const PROFILE = benchProfile(IDLE_TIMEOUT_SECONDS, 60);

/** One report of the workload, before the client's state makes a connection change connect or disconnect. */
interface PlannedBeat {
  at: number;
  session: number;
  /** `connection` becomes connect or disconnect by the client's state when it is sent. */
  kind: 'ping' | 'interaction' | 'connection';
}

interface Workload {
  sessions: number;
  perSession: number;
  heartbeats: PlannedBeat[];
}

/**
 * Each session is one client sending a heartbeat every 20-40 s (30 s on average): 60% pings (an open
 * tab), 35% interactions (the user works), 5% connection changes. Seeded: both designs get the same.
 */
const makeWorkload = (sessions: number, perSession: number, startMs: number): Workload => {
  const random = seededRandom(SEED);
  const heartbeats: PlannedBeat[] = [];
  for (let session = 0; session < sessions; session++) {
    let at = startMs + random.between(0, 30 * SECOND);
    for (let n = 0; n < perSession; n++) {
      at += random.between(20 * SECOND, 40 * SECOND);
      const roll = random.next();
      heartbeats.push({ at: Math.round(at), session, kind: roll < 0.6 ? 'ping' : roll < 0.95 ? 'interaction' : 'connection' });
    }
  }
  heartbeats.sort((a, b) => a.at - b.at || a.session - b.session);
  return { sessions, perSession, heartbeats };
};

interface Tally {
  heartbeats: number;
  byKind: Record<HeartbeatKind, number>;
  storeWrites: number;
  skippedPings: number;
  skippedInteractions: number;
  skippedOther: number;
  rejectedEnded: number;
  schedulerCallsByHeartbeats: number;
  fires: Record<string, number>;
  schedulerCallsByFires: number;
  storeWritesByFires: number;
  schedulerCallsAtCreate: number;
  /** When each session was found expired (stopRequestedAt), by session index. */
  stoppedAt: number[];
}

const newTally = (): Tally => ({
  heartbeats: 0,
  byKind: { ping: 0, interaction: 0, busy: 0, connect: 0, disconnect: 0 },
  storeWrites: 0,
  skippedPings: 0,
  skippedInteractions: 0,
  skippedOther: 0,
  rejectedEnded: 0,
  schedulerCallsByHeartbeats: 0,
  fires: {},
  schedulerCallsByFires: 0,
  storeWritesByFires: 0,
  schedulerCallsAtCreate: 0,
  stoppedAt: [],
});

const writesOf = (deps: FakeDeps): number => deps.store.updates.filter((u) => u.ok).length;

type HeartbeatFn = (deps: FakeDeps, id: string, ownerId: string, heartbeat: Heartbeat) => Promise<void>;

/** Ours: the real use case. */
const lazyHeartbeat: HeartbeatFn = async (deps, id, ownerId, heartbeat) => {
  await recordHeartbeat(deps, { ...heartbeat, id, auth: { type: 'owner', ownerId } });
};

/**
 * The naive design: every heartbeat writes the record (no batching; a ping refreshes it too) and
 * moves the session's one schedule to the new deadline (UpdateSchedule). The move is recorded in the
 * same FakeScheduler, as one call that replaces the armed time.
 */
const naiveHeartbeat: HeartbeatFn = async (deps, id, _ownerId, heartbeat) => {
  const session = await deps.store.get(id);
  if (session === undefined) throw new Error(`no session ${id}`);
  if (!ACCEPTS_ACTIVITY.includes(session.status)) throw new ConflictError('the session has ended');
  const now = deps.clock.now();
  let patch: SessionPatch;
  if (heartbeat.kind === 'interaction') {
    const { expiresAtMs, reason } = computeDeadline({ ...session, lastActivityAt: iso(now) });
    patch = { lastActivityAt: iso(now), expiresAt: iso(expiresAtMs), expiryReason: reason };
  } else {
    patch = applyHeartbeat(session, heartbeat, now) ?? {};
  }
  const result = await deps.store.update(id, patch, { version: session.version, statusIn: ACCEPTS_ACTIVITY });
  if (!result.ok) throw new Error('naive heartbeat lost a race (the simulation is sequential; this cannot happen)');
  const scheduleName = result.session.scheduleName ?? `${id}-1`;
  const move = { sessionId: id, scheduleName, fireAt: ms(result.session.expiresAt) };
  deps.scheduler.armCalls.push(move);
  deps.scheduler.armed.set(scheduleName, move);
};

/** Fires, in time order, every schedule due by `until`, as Scheduler would; the clock follows. */
const fireDue = async (deps: FakeDeps, until: number, tally: Tally): Promise<void> => {
  for (;;) {
    const next = [...deps.scheduler.armed.values()].filter((a) => a.fireAt <= until).sort((a, b) => a.fireAt - b.fireAt)[0];
    if (next === undefined) return;
    deps.clock.set(Math.max(deps.clock.now(), next.fireAt));
    const calls = deps.scheduler.calls;
    const writes = writesOf(deps);
    const { outcome } = await expireSession(deps, deps.scheduler.fire(next.scheduleName));
    tally.fires[outcome] = (tally.fires[outcome] ?? 0) + 1;
    tally.schedulerCallsByFires += deps.scheduler.calls - calls;
    tally.storeWritesByFires += writesOf(deps) - writes;
  }
};

const simulate = async (workload: Workload, heartbeat: HeartbeatFn, signal: AbortSignal): Promise<Tally> => {
  const deps = makeDeps({ profiles: { bench: PROFILE } });
  const tally = newTally();
  const startMs = deps.clock.now();
  const ids: string[] = [];
  const owners: string[] = [];
  for (let i = 0; i < workload.sessions; i++) {
    const ownerId = `user-${i % 25}`;
    const { session } = await createSession(deps, { ownerId, profile: 'bench' });
    const task = deps.tasks.taskOf(session.id);
    if (task === undefined) throw new Error('createSession started no task');
    await handleTaskEvent(deps, { taskArn: task.taskArn, lastStatus: 'RUNNING', sessionId: session.id });
    ids.push(session.id);
    owners.push(ownerId);
  }
  tally.schedulerCallsAtCreate = deps.scheduler.calls;
  const connected = new Array<number>(workload.sessions).fill(0);

  for (const [n, beat] of workload.heartbeats.entries()) {
    if (n % 1000 === 0) checkAborted(signal);
    await fireDue(deps, beat.at, tally);
    deps.clock.set(Math.max(deps.clock.now(), beat.at));
    const kind: HeartbeatKind = beat.kind === 'connection' ? (connected[beat.session] === 0 ? 'connect' : 'disconnect') : beat.kind;
    const id = ids[beat.session];
    const calls = deps.scheduler.calls;
    const writes = writesOf(deps);
    tally.heartbeats += 1;
    tally.byKind[kind] += 1;
    try {
      await heartbeat(deps, id, owners[beat.session], { kind, connectionId: CONNECTION_ID });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      tally.rejectedEnded += 1;
      continue;
    }
    if (kind === 'connect') connected[beat.session] = 1;
    if (kind === 'disconnect') connected[beat.session] = 0;
    const wrote = writesOf(deps) - writes;
    tally.storeWrites += wrote;
    if (wrote === 0) {
      if (kind === 'ping') tally.skippedPings += 1;
      else if (kind === 'interaction') tally.skippedInteractions += 1;
      else tally.skippedOther += 1;
    }
    tally.schedulerCallsByHeartbeats += deps.scheduler.calls - calls;
  }

  // The clients go quiet: every session now reaches its idle timeout.
  await fireDue(deps, Number.POSITIVE_INFINITY, tally);
  tally.stoppedAt = ids.map((id) => {
    const s = deps.store.peek(id);
    return s.stopRequestedAt === undefined ? Number.NaN : ms(s.stopRequestedAt) - startMs;
  });
  return tally;
};

const run = async (ctx: BenchContext): Promise<CaseResult> => {
  const sessions = ctx.quick ? 20 : 100;
  const perSession = ctx.quick ? 50 : 100;
  const workload = makeWorkload(sessions, perSession, Date.parse('2026-03-10T12:00:00.000Z'));
  const ours = await simulate(workload, lazyHeartbeat, ctx.signal);
  const naive = await simulate(workload, naiveHeartbeat, ctx.signal);

  const spanMinutes = (workload.heartbeats.at(-1)!.at - workload.heartbeats[0].at) / 60_000;
  const rearms = ours.fires['rearmed'] ?? 0;
  const totalCalls = (t: Tally): number => t.schedulerCallsByHeartbeats + t.schedulerCallsByFires;
  const expiryShift = ours.stoppedAt.map((t, i) => naive.stoppedAt[i] - t);
  const unstopped = [...ours.stoppedAt, ...naive.stoppedAt].filter((t) => Number.isNaN(t)).length;
  if (unstopped > 0) throw new Error(`${unstopped} simulated sessions never expired`);
  const maxShiftS = Math.max(...expiryShift) / 1000;
  const fireText = (t: Tally): string =>
    Object.entries(t.fires)
      .map(([outcome, count]) => `${count} ${outcome}`)
      .join(', ');
  const perSessionText = (value: number): string => num(value / sessions, 2);

  return {
    tables: [
      {
        title: `heartbeat-cost: ${num(ours.heartbeats)} heartbeats over ${sessions} sessions (in-memory fakes, simulated clock)`,
        head: ['', 'ours (lazy re-arm)', 'naive (move schedule every heartbeat)'],
        rows: [
          ['store writes by heartbeats', num(ours.storeWrites), num(naive.storeWrites)],
          ['  skipped: pings', num(ours.skippedPings), num(naive.skippedPings)],
          ["  pings that rewrote their connection's seen-time", num(ours.byKind.ping - ours.skippedPings), '-'],
          ['  skipped: batched interactions', num(ours.skippedInteractions), num(naive.skippedInteractions)],
          ['Scheduler calls by heartbeats', num(ours.schedulerCallsByHeartbeats), num(naive.schedulerCallsByHeartbeats)],
          ['expire fires handled', `${num(Object.values(ours.fires).reduce((a, b) => a + b, 0))} (${fireText(ours)})`, `${num(Object.values(naive.fires).reduce((a, b) => a + b, 0))} (${fireText(naive)})`],
          ['Scheduler calls by fires (re-arms)', num(ours.schedulerCallsByFires), num(naive.schedulerCallsByFires)],
          ['Scheduler calls after create, total', num(totalCalls(ours)), num(totalCalls(naive))],
          ['  per session', perSessionText(totalCalls(ours)), perSessionText(totalCalls(naive))],
          ['store writes, heartbeats + fires', num(ours.storeWrites + ours.storeWritesByFires), num(naive.storeWrites + naive.storeWritesByFires)],
        ],
        notes: [
          `Workload: per session one client, a heartbeat every 20-40 s for ${num(spanMinutes, 0)} simulated minutes (${perSession} each); mix ${num(ours.byKind.ping)} ping, ${num(ours.byKind.interaction)} interaction, ${num(ours.byKind.connect)} connect, ${num(ours.byKind.disconnect)} disconnect (seeded, same for both), each naming its connection (so a ping rewrites its seen-time once per half idle timeout); then the clients go quiet and every session idles out.`,
          `Profile: idle timeout ${IDLE_TIMEOUT_SECONDS} s (write batching threshold ${num(THRESHOLD_SECONDS)} s), no disconnect grace, no warning. Creation (1 arm per session, both designs) is not counted above.`,
          `Scheduler calls: ${ratioText(totalCalls(naive) / Math.max(1, totalCalls(ours)))} fewer with lazy re-arming (${perSessionText(rearms)} re-arms per session: about one per ${IDLE_TIMEOUT_SECONDS} s of activity, not one per heartbeat). Store writes: ${ratioText(naive.storeWrites / Math.max(1, ours.storeWrites))} fewer.`,
          `Price of batching: a session may expire up to ${num(THRESHOLD_SECONDS)} s before the naive design would stop it; measured here at most ${num(maxShiftS, 1)} s earlier.`,
        ],
      },
    ],
    figures: {
      seenTimeRewritesByPings: ours.byKind.ping - ours.skippedPings,
      workload: { sessions, heartbeatsPerSession: perSession, heartbeats: ours.heartbeats, simulatedMinutes: spanMinutes, byKind: ours.byKind, seed: SEED },
      profile: { idleTimeoutSeconds: IDLE_TIMEOUT_SECONDS, batchingThresholdSeconds: THRESHOLD_SECONDS },
      ours: { ...ours, stoppedAt: undefined, totalSchedulerCalls: totalCalls(ours), rearmsPerSession: rearms / sessions },
      naive: { ...naive, stoppedAt: undefined, totalSchedulerCalls: totalCalls(naive) },
      ratios: {
        schedulerCalls: totalCalls(naive) / Math.max(1, totalCalls(ours)),
        heartbeatStoreWrites: naive.storeWrites / Math.max(1, ours.storeWrites),
      },
      expiryEarlierThanNaiveSeconds: { max: maxShiftS, min: Math.min(...expiryShift) / 1000 },
    },
  };
};

export const heartbeatCost: BenchCase = {
  name: 'heartbeat-cost',
  title: 'store writes and Scheduler calls per heartbeat: lazy re-arming vs moving the schedule every time',
  timeoutMs: 60_000,
  run,
};
