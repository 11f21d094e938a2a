// Summary statistics for benchmark samples. Percentiles use the nearest-rank method (a reported p99
// is a value that was actually observed), which is what latency tables conventionally show.

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

const sorted = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);

/** Nearest-rank percentile (0 < p <= 100) of a non-empty sample. */
export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) throw new RangeError('percentile of an empty sample');
  if (!(p > 0 && p <= 100)) throw new RangeError('p must be in (0, 100]');
  const ordered = sorted(values);
  const rank = Math.ceil((p / 100) * ordered.length);
  return ordered[Math.min(ordered.length, Math.max(1, rank)) - 1];
};

export const median = (values: readonly number[]): number => {
  if (values.length === 0) throw new RangeError('median of an empty sample');
  const ordered = sorted(values);
  const mid = Math.floor(ordered.length / 2);
  return ordered.length % 2 === 1 ? ordered[mid] : (ordered[mid - 1] + ordered[mid]) / 2;
};

export const summarize = (values: readonly number[]): Summary => {
  if (values.length === 0) throw new RangeError('summary of an empty sample');
  const ordered = sorted(values);
  return {
    n: ordered.length,
    min: ordered[0],
    p50: percentile(ordered, 50),
    p95: percentile(ordered, 95),
    p99: percentile(ordered, 99),
    max: ordered[ordered.length - 1],
    mean: ordered.reduce((sum, v) => sum + v, 0) / ordered.length,
  };
};

/** Milliseconds since `start` (a `performance.now()` reading), for timing one operation. */
export const elapsedMs = (start: number): number => performance.now() - start;

/** Runs `fn` and returns its result with how long it took. */
export const timed = async <T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> => {
  const start = performance.now();
  const value = await fn();
  return { value, ms: elapsedMs(start) };
};
