// What obeying nextReportInSeconds saves (README "HTTP API", activity). Two clients see the same
// user: one reports every interaction; the other reports one only once the last answer's
// nextReportInSeconds has passed, and drops the ones before (the API would batch them: they change
// nothing). Both run through the real recordHeartbeat and expireSession on the in-memory fakes with
// a simulated clock, and every API call is counted. Stop precision is measured for both: how much
// earlier than one idle timeout after the user's last interaction each session is stopped.
import { heartbeatWriteThresholdMs } from '../../lambdas/domain/deadline-policy';
import { ms } from '../../lambdas/domain/session';
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
const HOUR = 3600 * SECOND;
const SEED = 20_261_122;
const START_MS = Date.parse('2026-03-10T12:00:00.000Z');
const OWNER = 'bench-user';
const CONNECTION_ID = 'tab-1';
/** A whole-second window (45 s) and one that is not (4.5 s), where rounding the hint down shows. */
const IDLE_TIMEOUTS_SECONDS = [900, 90] as const;


/**
 * One user hour, seeded: bursts of work (20 s to 10 min of interactions 0.3-4 s apart: keystrokes,
 * cell runs) between pauses of 5 to 60 s (shorter than either idle timeout, so the session lives
 * the whole hour). Times relative to the session's creation.
 */
const userHour = (random: ReturnType<typeof seededRandom>): number[] => {
  const interactions: number[] = [];
  let at = random.between(5, 30) * SECOND;
  while (at < HOUR) {
    const burstEnd = at + random.between(20, 600) * SECOND;
    while (at < burstEnd && at < HOUR) {
      interactions.push(Math.round(at));
      at += random.between(0.3, 4) * SECOND;
    }
    at += random.between(5, 60) * SECOND;
  }
  return interactions;
};

type Client = 'every interaction' | 'obeys nextReportInSeconds';

interface SessionRun {
  /** Activity requests sent: the connect plus the interactions reported. */
  calls: number;
  /** Calls that wrote nothing (the API batched them). */
  batchedCalls: number;
  stoppedAtMs: number;
}

/** Fires, in time order, every schedule due by `until`, as Scheduler would; the clock follows. */
const fireDue = async (deps: FakeDeps, until: number): Promise<void> => {
  for (;;) {
    const next = [...deps.scheduler.armed.values()].filter((a) => a.fireAt <= until).sort((a, b) => a.fireAt - b.fireAt)[0];
    if (next === undefined) return;
    deps.clock.set(Math.max(deps.clock.now(), next.fireAt));
    await expireSession(deps, deps.scheduler.fire(next.scheduleName));
  }
};

const writesOf = (deps: FakeDeps): number => deps.store.updates.filter((u) => u.ok).length;

const runSession = async (idleTimeoutSeconds: number, interactions: readonly number[], client: Client): Promise<SessionRun> => {
  const deps = makeDeps({ profiles: { bench: benchProfile(idleTimeoutSeconds) } });
  deps.clock.set(START_MS);
  const { session } = await createSession(deps, { ownerId: OWNER, profile: 'bench' });
  await handleTaskEvent(deps, { taskArn: session.taskArn ?? '', lastStatus: 'RUNNING', sessionId: session.id });
  const auth = { type: 'owner', ownerId: OWNER } as const;

  deps.clock.advance(2 * SECOND);
  const connected = await recordHeartbeat(deps, { id: session.id, kind: 'connect', connectionId: CONNECTION_ID, auth });
  let quietUntil = deps.clock.now() + connected.nextReportInSeconds * SECOND;
  let calls = 1;
  let batchedCalls = 0;
  for (const offset of interactions) {
    const at = START_MS + offset;
    await fireDue(deps, at);
    deps.clock.set(Math.max(deps.clock.now(), at));
    if (client === 'obeys nextReportInSeconds' && at < quietUntil) continue;
    const writes = writesOf(deps);
    const answer = await recordHeartbeat(deps, { id: session.id, kind: 'interaction', connectionId: CONNECTION_ID, auth });
    calls += 1;
    if (writesOf(deps) === writes) batchedCalls += 1;
    quietUntil = at + answer.nextReportInSeconds * SECOND;
  }
  // The user has gone: the session idles out.
  await fireDue(deps, Number.POSITIVE_INFINITY);
  const stopped = deps.store.peek(session.id).stopRequestedAt;
  if (stopped === undefined) throw new Error('a simulated session never expired');
  return { calls, batchedCalls, stoppedAtMs: ms(stopped) };
};

interface ClientTotals {
  calls: number;
  batchedCalls: number;
  /** Per session: how much earlier than (last interaction + idle timeout) it was stopped, in ms. */
  earlyByMs: number[];
  stoppedAtMs: number[];
}

const totalsFor = async (idleTimeoutSeconds: number, users: readonly number[][], client: Client, signal: AbortSignal): Promise<ClientTotals> => {
  const totals: ClientTotals = { calls: 0, batchedCalls: 0, earlyByMs: [], stoppedAtMs: [] };
  for (const interactions of users) {
    checkAborted(signal);
    const run = await runSession(idleTimeoutSeconds, interactions, client);
    totals.calls += run.calls;
    totals.batchedCalls += run.batchedCalls;
    totals.stoppedAtMs.push(run.stoppedAtMs);
    const lastInteraction = START_MS + (interactions.at(-1) ?? 0);
    totals.earlyByMs.push(lastInteraction + idleTimeoutSeconds * SECOND - run.stoppedAtMs);
  }
  return totals;
};

const clientFigures = (t: ClientTotals, sessions: number): Record<string, number> => ({
  callsPerSessionHour: t.calls / sessions,
  writtenCallsPerSessionHour: (t.calls - t.batchedCalls) / sessions,
  callsThatWroteNothingPerSessionHour: t.batchedCalls / sessions,
  maxStoppedEarlySeconds: Math.max(...t.earlyByMs) / SECOND,
});

const run = async (ctx: BenchContext): Promise<CaseResult> => {
  const sessions = ctx.quick ? 5 : 50;
  const random = seededRandom(SEED);
  const users = Array.from({ length: sessions }, () => userHour(random));
  const interactionsPerHour = users.reduce((sum, u) => sum + u.length, 0) / sessions;

  const figures: Record<string, unknown> = { sessions, sessionHours: sessions, seed: SEED, interactionsPerSessionHour: interactionsPerHour, byIdleTimeout: {} };
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const idleTimeoutSeconds of IDLE_TIMEOUTS_SECONDS) {
    ctx.progress(`idle timeout ${idleTimeoutSeconds} s`);
    const chatty = await totalsFor(idleTimeoutSeconds, users, 'every interaction', ctx.signal);
    const obeying = await totalsFor(idleTimeoutSeconds, users, 'obeys nextReportInSeconds', ctx.signal);
    const windowS = heartbeatWriteThresholdMs(idleTimeoutSeconds) / SECOND;
    const maxEarlyS = (t: ClientTotals): number => Math.max(...t.earlyByMs) / SECOND;
    const stopApartS = Math.max(...chatty.stoppedAtMs.map((at, i) => Math.abs(at - (obeying.stoppedAtMs[i] ?? at)))) / SECOND;
    const perHour = (n: number): number => n / sessions;
    for (const [name, t] of [['every interaction', chatty], ['obeys nextReportInSeconds', obeying]] as const) {
      rows.push([
        `${idleTimeoutSeconds} s (window ${num(windowS, 1)} s)`,
        name,
        num(perHour(t.calls), 1),
        num(perHour(t.calls - t.batchedCalls), 1),
        num(perHour(t.batchedCalls), 1),
        num(maxEarlyS(t), 1),
      ]);
    }
    notes.push(
      `Idle ${idleTimeoutSeconds} s: the obeying client makes ${ratioText(chatty.calls / obeying.calls)} fewer API calls for the same writes; its sessions stopped at most ${num(stopApartS, 2)} s apart from the chatty client's, both at most ${num(Math.max(maxEarlyS(chatty), maxEarlyS(obeying)), 1)} s early (bound: the ${num(windowS, 1)} s write window).`,
    );
    (figures['byIdleTimeout'] as Record<string, unknown>)[String(idleTimeoutSeconds)] = {
      writeWindowSeconds: windowS,
      everyInteraction: clientFigures(chatty, sessions),
      obeying: clientFigures(obeying, sessions),
      callRatio: chatty.calls / obeying.calls,
      maxStopApartSeconds: stopApartS,
    };
  }

  return {
    tables: [
      {
        title: `report-cadence: API calls per session-hour, ${sessions} simulated user hours (in-memory fakes, simulated clock)`,
        head: ['idle timeout', 'client', 'API calls', 'that wrote', 'that wrote nothing', 'max stopped early (s)'],
        rows,
        notes: [
          `Workload: per session one user, ${num(interactionsPerHour, 0)} interactions in the hour on average (bursts of work between pauses of 5-60 s; seeded, the same for both clients), one connect; then the user goes and the session idles out. "Stopped early": before one idle timeout after the last interaction.`,
          ...notes,
        ],
      },
    ],
    figures,
  };
};

export const reportCadence: BenchCase = {
  name: 'report-cadence',
  title: 'API calls per session-hour: a client obeying nextReportInSeconds vs one reporting every interaction',
  timeoutMs: 120_000,
  run,
};
