// The contract between the runner and one benchmark case: a case gets a context (sizes, scratch
// dir, an abort signal for its time bound) and returns tables for people plus figures for
// results.json. Cases clean up after themselves in `finally`, also when aborted.
import { type Table } from './table';

export interface BenchContext {
  /** BENCH_QUICK=1: smaller workloads, for a smoke run of the harness itself. */
  quick: boolean;
  /** A fresh scratch directory under bench/tmp/, removed by the runner afterwards. */
  tmpDir: string;
  /** The repository root. */
  repoRoot: string;
  /** Aborted when the case runs past its time bound; long loops check it. */
  signal: AbortSignal;
  /** Progress lines (stderr), so stdout stays the report. */
  progress: (line: string) => void;
}

export interface CaseResult {
  tables: Table[];
  /** Every figure behind the tables, for results.json. */
  figures: Record<string, unknown>;
}

export interface BenchCase {
  /** Kebab-case id, used on the command line: `npm run bench -- <name>`. */
  name: string;
  /** One line: what is measured. */
  title: string;
  /** Hard bound on the case's run time; it is aborted (and recorded as failed) after this. */
  timeoutMs: number;
  run(ctx: BenchContext): Promise<CaseResult>;
}

/** Throws the signal's reason when the case has been aborted (call inside long loops). */
export const checkAborted = (signal: AbortSignal): void => {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
};
