// The `Metrics` port as CloudWatch embedded metric format (EMF): JSON lines on stdout that
// CloudWatch Logs turns into metrics, never a PutMetricData call per event. The shape is AWS's EMF
// specification: `_aws` names the namespace, the dimension sets and each metric's unit; the values
// and dimension values are top-level keys. Every metric carries the `service` dimension, which the
// alarms and dashboard select on (contract/observability.ts). A few lines of our own instead of
// Powertools Metrics, whose load cost every cold start about 4 % (README "Performance").
import { METRIC_DIMENSIONS, SERVICE_DIMENSION } from '../../../contract/observability';
import { type MetricDimensions, type MetricName, type Metrics } from '../../ports/observability';

/** EMF's limits: metrics in one directive, values of one metric in one blob. */
const MAX_METRICS = 100;
const MAX_VALUES = 100;

type Unit = 'Count' | 'Milliseconds';

// The only dimensions a metric may carry: each has a handful of values. Anything else (a session or
// owner id) would create one CloudWatch metric per value, so it is dropped even if a caller gets
// past the type.
const ALLOWED_DIMENSIONS: ReadonlySet<string> = new Set(METRIC_DIMENSIONS);

const allowedDimensions = (dimensions: MetricDimensions | undefined): [string, string][] =>
  Object.entries(dimensions ?? {}).filter(
    (entry): entry is [string, string] => ALLOWED_DIMENSIONS.has(entry[0]) && typeof entry[1] === 'string' && entry[1].length > 0,
  );

export interface EmfMetricsOptions {
  namespace: string;
  /** The value of the `service` dimension. */
  service: string;
  /** Where a blob goes (stdout on Lambda); given one whole line with its newline. */
  write: (line: string) => void;
  now?: () => number;
}

export interface EmfMetrics {
  port: Metrics;
  /** Writes the buffered metrics as one blob, if any were recorded since the last flush. */
  flush: () => void;
}

/**
 * Metrics without dimensions are buffered and go out in one blob per flush (the handlers flush at
 * the end of each invocation); a metric with dimensions is written at once as its own blob, since a
 * blob's dimensions apply to every metric in it.
 */
export const createEmfMetrics = (options: EmfMetricsOptions): EmfMetrics => {
  const { namespace, service, write } = options;
  const now = options.now ?? Date.now;
  const stored = new Map<MetricName, { unit: Unit; values: number[] }>();

  const blob = (dimensions: [string, string][], metrics: [MetricName, Unit, number | number[]][]): void => {
    const directive = {
      Namespace: namespace,
      Dimensions: [[SERVICE_DIMENSION, ...dimensions.map(([key]) => key)]],
      Metrics: metrics.map(([name, unit]) => ({ Name: name, Unit: unit })),
    };
    const values = Object.fromEntries(metrics.map(([name, , value]) => [name, value]));
    write(`${JSON.stringify({ _aws: { Timestamp: now(), CloudWatchMetrics: [directive] }, [SERVICE_DIMENSION]: service, ...Object.fromEntries(dimensions), ...values })}\n`);
  };

  const flush = (): void => {
    if (stored.size === 0) return;
    const metrics = [...stored].map(([name, { unit, values }]): [MetricName, Unit, number | number[]] => [name, unit, values.length === 1 ? values[0] : values]);
    stored.clear();
    blob([], metrics);
  };

  const emit = (name: MetricName, unit: Unit, value: number, dimensions: MetricDimensions | undefined): void => {
    const dims = allowedDimensions(dimensions);
    if (dims.length > 0) {
      blob(dims, [[name, unit, value]]);
      return;
    }
    const entry = stored.get(name);
    if ((entry === undefined && stored.size >= MAX_METRICS) || (entry !== undefined && entry.values.length >= MAX_VALUES)) flush();
    const current = stored.get(name);
    if (current === undefined) stored.set(name, { unit, values: [value] });
    else current.values.push(value);
  };

  return {
    port: {
      count: (name, value = 1, dimensions) => emit(name, 'Count', value, dimensions),
      observe: (name, value, unit, dimensions) => emit(name, unit, value, dimensions),
    },
    flush,
  };
};
