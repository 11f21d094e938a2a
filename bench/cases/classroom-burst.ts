// A classroom burst (README "Starting at the rate ECS allows"): 500 creates at once from 100 owners
// against the local stack, whose task runner launches like ECS (20 tasks/s sustained, burst 100,
// refusing the rest as RunTask throttles). Run twice: with the start queue, and with it bypassed
// (the task started inside the create request, the behaviour before the queue). Per column: failed
// creates, 5xx answers, create latency, and the time until every session is `running`, against
// the time the rate allows ((500 - 100) / 20 = 20 s).
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { type BenchCase, type BenchContext, type CaseResult, checkAborted } from '../lib/bench-case';
import { BENCH_PROFILE, startBenchStack } from '../lib/bench-stack';
import { TimedApi } from '../lib/http-client';
import { summarize } from '../lib/stats';
import { msText, num } from '../lib/table';

const RATE = 20;
const BURST = 100;
const ROUTE = 'POST /sessions';

interface Column {
  mode: 'queued' | 'bypassed';
  creates: number;
  owners: number;
  createFailures: number;
  answers5xx: number;
  latencyMs: ReturnType<typeof summarize>;
  running: number;
  failedSessions: number;
  /** From the first create until every session accepted was running; undefined if some never were. */
  allRunningMs?: number;
  /** What the rate allows for the accepted sessions: (accepted - burst) / rate. */
  rateAllowsMs: number;
}

const runColumn = async (ctx: BenchContext, mode: Column['mode'], creates: number, owners: number): Promise<Column> => {
  const bench = await startBenchStack({
    dataDir: join(ctx.tmpDir, mode),
    idleTimeoutSeconds: { default: 900, min: 60, max: 3600 },
    maxSessionsPerOwner: Math.ceil(creates / owners),
    taskStartRate: { ratePerSecond: RATE, burst: BURST },
    startQueue: mode === 'queued',
  });
  try {
    const apis = await Promise.all(Array.from({ length: owners }, async (_, k) => new TimedApi(bench.stack.apiUrl, await bench.stack.mintToken(`student-${k}`))));
    ctx.progress(`${mode}: ${creates} creates at once from ${owners} owners`);
    const began = performance.now();
    const answers = await Promise.all(
      Array.from({ length: creates }, (_, i) => apis[i % owners].request<{ session?: { id: string } }>(ROUTE, 'POST', '/sessions', { body: { profile: BENCH_PROFILE } })),
    );
    const accepted = answers.filter((a) => a.status === 201).length;
    ctx.progress(`${mode}: ${accepted} of ${creates} accepted in ${msText(performance.now() - began)} ms`);

    // Until no session is `starting` any more (bounded), then count.
    let allRunningMs: number | undefined;
    const giveUpAt = Date.now() + 120_000;
    let live = await bench.store.listLive();
    for (;;) {
      checkAborted(ctx.signal);
      live = await bench.store.listLive();
      if (!live.some((s) => s.status === 'starting')) break;
      if (Date.now() > giveUpAt) throw new Error(`${mode}: sessions still starting after 120 s`);
      await delay(100);
    }
    const running = live.filter((s) => s.status === 'running').length;
    if (running === accepted && accepted > 0) allRunningMs = performance.now() - began;
    for (const s of live) bench.track(s.taskArn);
    const failedSessions = accepted - running;
    return {
      mode,
      creates,
      owners,
      createFailures: creates - accepted,
      answers5xx: answers.filter((a) => a.status >= 500).length,
      latencyMs: summarize(apis.flatMap((api) => api.latencies.get(ROUTE) ?? [])),
      running,
      failedSessions,
      ...(allRunningMs !== undefined && { allRunningMs }),
      rateAllowsMs: (Math.max(0, accepted - BURST) / RATE) * 1000,
    };
  } finally {
    const { killed } = await bench.stop();
    if (killed > 0) ctx.progress(`${mode}: killed ${killed} task processes`);
  }
};

const run = async (ctx: BenchContext): Promise<CaseResult> => {
  const creates = ctx.quick ? 150 : 500;
  const owners = ctx.quick ? 30 : 100;
  const queued = await runColumn(ctx, 'queued', creates, owners);
  const bypassed = await runColumn(ctx, 'bypassed', creates, owners);
  const withinRate = (c: Column): string =>
    c.allRunningMs === undefined ? 'never (some failed)' : `${num((c.allRunningMs / Math.max(c.rateAllowsMs, 1)) * 100 - 100, 1)} % over`;
  return {
    tables: [
      {
        title: `classroom-burst: ${creates} creates at once from ${owners} owners, task launches limited to ${RATE}/s (burst ${BURST})`,
        head: ['', 'start queue', 'queue bypassed (before)'],
        rows: [
          ['failed creates', num(queued.createFailures), num(bypassed.createFailures)],
          ['5xx answers', num(queued.answers5xx), num(bypassed.answers5xx)],
          ['create p50 ms', msText(queued.latencyMs.p50), msText(bypassed.latencyMs.p50)],
          ['create p99 ms', msText(queued.latencyMs.p99), msText(bypassed.latencyMs.p99)],
          ['sessions running', num(queued.running), num(bypassed.running)],
          ['sessions failed', num(queued.failedSessions), num(bypassed.failedSessions)],
          ['all running after ms', queued.allRunningMs === undefined ? 'never' : msText(queued.allRunningMs), bypassed.allRunningMs === undefined ? 'never' : msText(bypassed.allRunningMs)],
          ['the rate allows ms', msText(queued.rateAllowsMs), msText(bypassed.rateAllowsMs)],
          ['vs the rate', withinRate(queued), withinRate(bypassed)],
        ],
        notes: [
          `The local task runner refuses launches beyond a token bucket of ${BURST} refilled at ${RATE}/s, with the error the ECS adapter makes of a RunTask ThrottlingException (LOCAL_TASK_START_RATE/BURST).`,
          'Queued: create answers 201 after the record, the schedule and the enqueue; the in-process start queue hands starts to the starter handler paced to taskStartRate, and retries throttles with backoff.',
          'Bypassed: create runs the task inside the request; a throttled RunTask is a 503 and a failed session, as before the queue.',
          '"All running after" is measured from the first create until no session is `starting` and all accepted are `running` (polled every 100 ms), on one Node process serving API, dynalite and the bench client.',
        ],
      },
    ],
    figures: { rate: RATE, burst: BURST, queued, bypassed },
  };
};

export const classroomBurst: BenchCase = {
  name: 'classroom-burst',
  title: 'a burst of creates against an ECS-like launch rate: start queue vs starting inside the request',
  timeoutMs: 300_000,
  run,
};
