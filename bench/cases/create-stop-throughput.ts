// How fast the local stack takes sessions in and out: N sessions created through the HTTP API with
// bounded concurrency, each read and pinged once, then ended; throughput per phase and latency per
// route. Every create spawns a real process and every end signals one, so this is the whole path
// (JWT check, handler, DynamoDB writes, timers, processes), not just the HTTP layer.
import pLimit from 'p-limit';
import { availableParallelism } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { type BenchCase, type BenchContext, type CaseResult, checkAborted } from '../lib/bench-case';
import { BENCH_PROFILE, startBenchStack } from '../lib/bench-stack';
import { TimedApi } from '../lib/http-client';
import { summarize } from '../lib/stats';
import { msText, num } from '../lib/table';

const CONCURRENCY = 8;
const OWNERS = 8;

interface CreatedSession {
  session: { id: string };
  activityToken: string;
}

interface Phase {
  route: string;
  requests: number;
  wallMs: number;
}

const run = async (ctx: BenchContext): Promise<CaseResult> => {
  const count = ctx.quick ? 40 : 200;
  const bench = await startBenchStack({ dataDir: ctx.tmpDir, idleTimeoutSeconds: { default: 900, min: 60, max: 3600 }, maxSessionsPerOwner: 1_000 });
  const { store } = bench;
  try {
    const apis = await Promise.all(Array.from({ length: OWNERS }, async (_, k) => new TimedApi(bench.stack.apiUrl, await bench.stack.mintToken(`bench-owner-${k}`))));
    const limit = pLimit(CONCURRENCY);
    const phases: Phase[] = [];
    /** Runs one request per session, CONCURRENCY at a time, and records the phase's wall time. */
    const phase = async <T>(route: string, items: readonly number[], call: (i: number, api: TimedApi) => Promise<T>): Promise<T[]> => {
      const started = performance.now();
      const results = await Promise.all(
        items.map((i) =>
          limit(() => {
            checkAborted(ctx.signal);
            return call(i, apis[i % OWNERS]);
          }),
        ),
      );
      phases.push({ route, requests: items.length, wallMs: performance.now() - started });
      ctx.progress(`${route}: ${items.length} in ${msText(performance.now() - started)} ms`);
      return results;
    };
    const indexes = Array.from({ length: count }, (_, i) => i);

    const created = await phase('POST /sessions', indexes, (_, api) =>
      api.expect<CreatedSession>('POST /sessions', 'POST', '/sessions', [201], { body: { profile: BENCH_PROFILE } }),
    );
    for (const c of created) bench.track((await store.get(c.session.id))?.taskArn);
    await phase('GET /sessions/{id}', indexes, (i, api) => api.expect('GET /sessions/{id}', 'GET', `/sessions/${created[i].session.id}`, [200]));
    await phase('POST /sessions/{id}/activity (ping)', indexes, (i, api) =>
      api.expect('POST /sessions/{id}/activity (ping)', 'POST', `/sessions/${created[i].session.id}/activity`, [200], {
        body: { kind: 'ping' },
        // The session's own agent reports with its activity token (no JWT): the common caller.
        headers: { 'x-session-token': created[i].activityToken, authorization: '' },
      }),
    );
    const endStarted = performance.now();
    await phase('DELETE /sessions/{id}', indexes, (i, api) => api.expect('DELETE /sessions/{id}', 'DELETE', `/sessions/${created[i].session.id}`, [202]));

    // Ending is asynchronous (202): wait, bounded, until every process exit is recorded.
    const giveUpAt = Date.now() + 30_000;
    let live = count;
    while ((live = (await store.listLive()).length) > 0 && Date.now() < giveUpAt) {
      checkAborted(ctx.signal);
      await delay(250);
    }
    if (live > 0) throw new Error(`${live} sessions still live 30 s after they were ended`);
    const allEndedMs = performance.now() - endStarted;

    const routes = phases.map((p) => {
      const samples = apis.flatMap((api) => api.latencies.get(p.route) ?? []);
      return { ...p, perSecond: (p.requests / p.wallMs) * 1000, latencyMs: summarize(samples) };
    });
    return {
      tables: [
        {
          title: `create-stop-throughput: ${count} sessions through the local stack's HTTP API, ${CONCURRENCY} requests in flight`,
          head: ['route', 'requests', 'per second', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
          rows: routes.map((r) => [r.route, num(r.requests), num(r.perSecond, 1), msText(r.latencyMs.p50), msText(r.latencyMs.p95), msText(r.latencyMs.p99), msText(r.latencyMs.max)]),
          notes: [
            `Each create writes the record, arms a timer and spawns a process (sleep 600); each end wins → stopping and sends SIGTERM (answer 202). ${OWNERS} owners, JWT on every request except activity (X-Session-Token).`,
            `From the first DELETE until every process exit was recorded: ${msText(allEndedMs)} ms. One Node process serves the API and runs dynalite, so both share its event loop (and this machine's ${availableParallelism()} cores with the bench client).`,
          ],
        },
      ],
      figures: {
        sessions: count,
        concurrency: CONCURRENCY,
        owners: OWNERS,
        routes: Object.fromEntries(routes.map((r) => [r.route, { requests: r.requests, wallMs: r.wallMs, perSecond: r.perSecond, latencyMs: r.latencyMs }])),
        allEndedAfterFirstDeleteMs: allEndedMs,
        stackWarnings: bench.warnings.length,
        stackWarningSample: bench.warnings.slice(0, 5),
      },
    };
  } finally {
    const { killed } = await bench.stop();
    if (killed > 0) ctx.progress(`killed ${killed} leftover task processes`);
  }
};

export const createStopThroughput: BenchCase = {
  name: 'create-stop-throughput',
  title: 'sessions per second in and out of the local stack, latency per API route',
  timeoutMs: 150_000,
  run,
};
