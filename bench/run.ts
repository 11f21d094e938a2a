// `npm run bench [-- case ...]`: runs the benchmark cases one after another, each bounded in time,
// prints one table per case and writes every figure, with the machine it ran on, to
// bench/results.json. A run of some cases replaces only their entries: each case carries its own
// `measuredIn` (machine, commit, load), so the file may hold cases measured on different days. A case that fails is recorded with its error and the others still run; the
// exit code is non-zero if any failed. BENCH_QUICK=1 shrinks every workload (a smoke run).
import './lib/quiet-env';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classroomBurst } from './cases/classroom-burst';
import { coldStart } from './cases/cold-start';
import { createStopThroughput } from './cases/create-stop-throughput';
import { expiryPrecision } from './cases/expiry-precision';
import { heartbeatCost } from './cases/heartbeat-cost';
import { reportCadence } from './cases/report-cadence';
import { sweepReadCost } from './cases/sweep-read-cost';
import { type BenchCase, type CaseResult } from './lib/bench-case';
import { machineInfo } from './lib/machine';
import { formatTable, msText } from './lib/table';

const CASES: readonly BenchCase[] = [sweepReadCost, heartbeatCost, reportCadence, expiryPrecision, coldStart, createStopThroughput, classroomBurst];

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const TMP_ROOT = join(REPO_ROOT, 'bench', 'tmp');
const RESULTS_PATH = join(REPO_ROOT, 'bench', 'results.json');
/** The whole run stays under ten minutes: a case gets at most what is left of this. */
const RUN_BUDGET_MS = 9.5 * 60_000;
/** After aborting a case, how long its cleanup (stopping processes, servers) may take. */
const CLEANUP_GRACE_MS = 20_000;

type CaseOutcome =
  | { name: string; title: string; status: 'ok'; durationMs: number; result: CaseResult }
  | { name: string; title: string; status: 'failed'; durationMs: number; error: string };

const progress = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

const usage = (): string =>
  [
    'usage: npm run bench [-- <case> ...]',
    '',
    'cases (all when none is named):',
    ...CASES.map((c) => `  ${c.name.padEnd(24)} ${c.title}`),
    '',
    'BENCH_QUICK=1 runs smaller workloads (a quick check of the harness, not figures to publish).',
  ].join('\n');

const selectCases = (args: readonly string[]): readonly BenchCase[] => {
  if (args.length === 0) return CASES;
  const unknown = args.filter((a) => !CASES.some((c) => c.name === a));
  if (unknown.length > 0) throw new Error(`unknown case ${unknown.join(', ')}\n\n${usage()}`);
  return CASES.filter((c) => args.includes(c.name));
};

const errorText = (error: unknown): string => (error instanceof Error ? (error.stack ?? error.message) : String(error));

/** Runs one case under a time bound; on timeout aborts it and gives its cleanup a moment. */
const runCase = async (benchCase: BenchCase, timeoutMs: number, quick: boolean, interrupt: AbortSignal): Promise<CaseOutcome> => {
  const tmpDir = join(TMP_ROOT, `${benchCase.name}-${process.pid}`);
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });
  const controller = new AbortController();
  const onInterrupt = (): void => controller.abort(new Error('interrupted'));
  interrupt.addEventListener('abort', onInterrupt, { once: true });
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${msText(timeoutMs)} ms`)), timeoutMs);
  const started = performance.now();
  const base = { name: benchCase.name, title: benchCase.title };
  progress(`${benchCase.name}: ${benchCase.title}`);
  try {
    const running = benchCase.run({ quick, tmpDir, repoRoot: REPO_ROOT, signal: controller.signal, progress: (l) => progress(`${benchCase.name}: ${l}`) });
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true });
    });
    try {
      const result = await Promise.race([running, aborted]);
      return { ...base, status: 'ok', durationMs: performance.now() - started, result };
    } catch (error) {
      // Let the case finish its own cleanup (it sees the aborted signal), but not forever.
      await Promise.race([running.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, CLEANUP_GRACE_MS).unref())]);
      throw error;
    }
  } catch (error) {
    progress(`${benchCase.name}: FAILED: ${error instanceof Error ? error.message : String(error)}`);
    return { ...base, status: 'failed', durationMs: performance.now() - started, error: errorText(error) };
  } finally {
    clearTimeout(timer);
    interrupt.removeEventListener('abort', onInterrupt);
    rmSync(tmpDir, { recursive: true, force: true });
  }
};

/** The cases an earlier run recorded (kept unless this run measures them again); none if unreadable. */
const earlierCases = (): Record<string, unknown> => {
  try {
    const earlier = JSON.parse(readFileSync(RESULTS_PATH, 'utf8')) as { cases?: unknown };
    return typeof earlier.cases === 'object' && earlier.cases !== null ? (earlier.cases as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

const main = async (): Promise<number> => {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const selected = selectCases(args);
  const quick = process.env['BENCH_QUICK'] === '1';
  const machine = machineInfo(REPO_ROOT);
  progress(`${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.nodeVersion}${quick ? ' (BENCH_QUICK)' : ''}`);

  const interrupt = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    progress('interrupted: stopping the current case and cleaning up (Ctrl-C again to quit at once)');
    interrupt.abort();
  });

  const runStarted = performance.now();
  const outcomes: CaseOutcome[] = [];
  for (const benchCase of selected) {
    const left = RUN_BUDGET_MS - (performance.now() - runStarted);
    if (interrupt.signal.aborted || left < 5_000) {
      outcomes.push({ name: benchCase.name, title: benchCase.title, status: 'failed', durationMs: 0, error: interrupt.signal.aborted ? 'not run: interrupted' : 'not run: the run budget was used up' });
      continue;
    }
    outcomes.push(await runCase(benchCase, Math.min(benchCase.timeoutMs, left), quick, interrupt.signal));
  }
  const totalMs = performance.now() - runStarted;
  const loadAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);

  const report: string[] = [];
  for (const outcome of outcomes) {
    if (outcome.status === 'ok') report.push(...outcome.result.tables.map(formatTable));
    else report.push(`${outcome.name}: FAILED\n\n  ${outcome.error.split('\n').slice(0, 3).join('\n  ')}`);
  }
  report.push(
    formatTable({
      title: `bench run: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, Node ${machine.nodeVersion}, ${machine.date}${quick ? ' (BENCH_QUICK=1)' : ''}`,
      head: ['case', 'status', 'seconds'],
      rows: outcomes.map((o) => [o.name, o.status, (o.durationMs / 1000).toFixed(1)]),
      notes: [
        `total ${(totalMs / 1000).toFixed(1)} s; load average (1 min) ${machine.loadAverage[0]} at the start, ${loadAtEnd[0]} at the end; figures in ${RESULTS_PATH.slice(REPO_ROOT.length)}`,
      ],
    }),
  );
  process.stdout.write(`\n${report.join('\n\n')}\n`);

  const measuredIn = { machine, quick, loadAverageAtEnd: loadAtEnd };
  const results = {
    lastRun: { ...measuredIn, totalMs, cases: outcomes.map((o) => o.name) },
    cases: {
      ...earlierCases(),
      ...Object.fromEntries(
        outcomes.map((o) => [
          o.name,
          o.status === 'ok'
            ? { title: o.title, status: o.status, durationMs: o.durationMs, figures: o.result.figures, measuredIn }
            : { title: o.title, status: o.status, durationMs: o.durationMs, error: o.error, measuredIn },
        ]),
      ),
    },
  };
  writeFileSync(RESULTS_PATH, `${JSON.stringify(results, null, 2)}\n`);
  return outcomes.every((o) => o.status === 'ok') ? 0 : 1;
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
