// How exact expiry is on the local stack: 200 sessions whose deadlines fall over about 30 seconds,
// left alone until their idle timeouts pass. For each, the lag from its deadline (expiresAt) to the
// stop being requested (stopRequestedAt: the expire handler won `→ stopping` and sent SIGTERM) and to
// the process exit being recorded (endedAt). On AWS the first hop is EventBridge Scheduler (within
// the minute); this measures everything after it: timer, handler, DynamoDB writes, signal, exit event.
import pLimit from 'p-limit';
import { setTimeout as delay } from 'node:timers/promises';
import { parseTaskArn } from '../../local/adapters/process-task-runner';
import { type Session, isEnded, ms } from '../../lambdas/domain/session';
import { type BenchCase, type BenchContext, type CaseResult, checkAborted } from '../lib/bench-case';
import { BENCH_PROFILE, isOurTask, startBenchStack } from '../lib/bench-stack';
import { TimedApi } from '../lib/http-client';
import { summarize, type Summary } from '../lib/stats';
import { msText, num } from '../lib/table';

const CREATE_CONCURRENCY = 8;
const OWNERS = 4;
/** Give up waiting this long after the last deadline. */
const SETTLE_MS = 30_000;

interface Created {
  id: string;
  expiresAt: string;
}

const row = (label: string, s: Summary): (string | number)[] => [label, num(s.n), msText(s.min), msText(s.p50), msText(s.p95), msText(s.p99), msText(s.max)];

const run = async (ctx: BenchContext): Promise<CaseResult> => {
  const count = ctx.quick ? 40 : 200;
  const bench = await startBenchStack({ dataDir: ctx.tmpDir, idleTimeoutSeconds: { default: 30, min: 1, max: 120 }, maxSessionsPerOwner: 1_000 });
  try {
    const apis = await Promise.all(Array.from({ length: OWNERS }, async (_, k) => new TimedApi(bench.stack.apiUrl, await bench.stack.mintToken(`bench-user-${k}`))));
    // Idle timeouts 5..35 s across the sessions, in an interleaved order so neighbours differ.
    const timeouts = Array.from({ length: count }, (_, i) => 5 + Math.round((((i * 37) % count) / Math.max(1, count - 1)) * 30));
    const limit = pLimit(CREATE_CONCURRENCY);
    const createStarted = performance.now();
    const created = await Promise.all(
      timeouts.map((idleTimeoutSeconds, i) =>
        limit(async () => {
          checkAborted(ctx.signal);
          const api = apis[i % OWNERS];
          const body = await api.expect<{ session: Created }>('POST /sessions', 'POST', '/sessions', [201], { body: { profile: BENCH_PROFILE, idleTimeoutSeconds } });
          return body.session;
        }),
      ),
    );
    const createMs = performance.now() - createStarted;
    const pids = new Map<string, number>();
    for (const c of created) {
      const taskArn = (await bench.store.get(c.id))?.taskArn;
      bench.track(taskArn);
      const pid = taskArn === undefined ? undefined : parseTaskArn(taskArn)?.pid;
      if (pid !== undefined) pids.set(c.id, pid);
    }
    const deadlines = created.map((c) => ms(c.expiresAt));
    const first = Math.min(...deadlines);
    const last = Math.max(...deadlines);
    ctx.progress(`created ${count} sessions in ${msText(createMs)} ms; deadlines over ${msText((last - first) / 1000)} s, last in ${msText((last - Date.now()) / 1000)} s`);

    // Wait (bounded) until every session has ended, checking the index of live sessions once a second.
    const giveUpAt = last + SETTLE_MS;
    for (;;) {
      checkAborted(ctx.signal);
      const live = (await bench.store.listLive()).length;
      if (live === 0) break;
      if (Date.now() > giveUpAt) throw new Error(`${live} sessions still live ${SETTLE_MS / 1000} s after the last deadline`);
      await delay(1000);
    }

    const records = await Promise.all(created.map((c) => limit(() => bench.store.get(c.id))));
    const ended = records.filter((s): s is Session => s !== undefined && isEnded(s.status));
    const stopLags = ended.flatMap((s) => (s.stopRequestedAt === undefined ? [] : [ms(s.stopRequestedAt) - ms(s.expiresAt)]));
    const exitLags = ended.flatMap((s) => (s.endedAt === undefined ? [] : [ms(s.endedAt) - ms(s.expiresAt)]));
    const reasons: Record<string, number> = {};
    for (const s of ended) reasons[s.endReason ?? 'none'] = (reasons[s.endReason ?? 'none'] ?? 0) + 1;
    const stillRunning = [...pids.values()].filter((pid) => isOurTask(pid)).length;
    if (stopLags.length === 0 || exitLags.length === 0) throw new Error('no session recorded a stop');
    const stop = summarize(stopLags);
    const exit = summarize(exitLags);
    const early = stopLags.filter((lag) => lag < 0).length;

    return {
      tables: [
        {
          title: `expiry-precision: lag after the deadline, ${count} sessions on the local stack (ms)`,
          head: ['from expiresAt to', 'n', 'min', 'p50', 'p95', 'p99', 'max'],
          rows: [row('stop requested (stopRequestedAt)', stop), row('process exit recorded (endedAt)', exit)],
          notes: [
            `Sessions created through POST /sessions (${CREATE_CONCURRENCY} at a time, ${msText(createMs / 1000)} s) with idle timeouts 5-35 s; deadlines spread over ${msText((last - first) / 1000)} s; task: sleep 600 (exits on SIGTERM).`,
            `End reasons: ${Object.entries(reasons).map(([r, n]) => `${n} ${r}`).join(', ')}; stopped before the deadline: ${early}; task processes alive afterwards: ${stillRunning} of ${pids.size}.`,
            'Local timers stand in for EventBridge Scheduler (which fires within a minute on AWS); the sweep was off (its interval set to 1 h), so every stop here came from the timer path.',
          ],
        },
      ],
      figures: {
        sessions: count,
        createConcurrency: CREATE_CONCURRENCY,
        createMs,
        deadlineSpreadMs: last - first,
        idleTimeoutSeconds: { min: Math.min(...timeouts), max: Math.max(...timeouts) },
        stopRequestedLagMs: stop,
        exitRecordedLagMs: exit,
        stoppedBeforeDeadline: early,
        endReasons: reasons,
        endedSessions: ended.length,
        taskProcessesAliveAfter: stillRunning,
        stackWarnings: bench.warnings.length,
        stackWarningSample: bench.warnings.slice(0, 5),
      },
    };
  } finally {
    const { killed } = await bench.stop();
    if (killed > 0) ctx.progress(`killed ${killed} leftover task processes`);
  }
};

export const expiryPrecision: BenchCase = {
  name: 'expiry-precision',
  title: 'lag from deadline to stop request and to process exit, local stack',
  timeoutMs: 120_000,
  run,
};
