// Logger and metrics, created once per process with the service name and namespace that CDK sets
// (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE; by default the contract's own values,
// which the alarms watch), and the `Metrics` port on top of Powertools Metrics. Metrics are
// CloudWatch EMF lines on stdout, never PutMetricData, and never with a per-session dimension.
// Importing this module only constructs these objects. No X-Ray SDK: Lambda's active tracing
// records each invocation, and log lines carry its trace id (README "Tracing").
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { type MetricUnit as MetricUnitValue } from '@aws-lambda-powertools/metrics/types';
import { type FunctionEnvName } from '../../../contract/function-env';
import { METRICS_NAMESPACE, METRIC_DIMENSIONS, SERVICE_NAME } from '../../../contract/observability';
import { type Log, type LogExtra, type MetricDimensions, type MetricName, type Metrics } from '../../ports/observability';

// The only dimensions a metric may carry: each has a handful of values. Anything else (a session
// or owner id) would create one CloudWatch metric per value, so it is dropped even if a caller
// gets past the type.
const ALLOWED_DIMENSIONS: ReadonlySet<string> = new Set(METRIC_DIMENSIONS);

/** A variable CDK sets (a contract name, so a typo fails typecheck); empty counts as unset. */
const envOf = (name: FunctionEnvName): string | undefined => process.env[name] || undefined;

const allowedDimensions = (dimensions: MetricDimensions | undefined): [string, string][] =>
  Object.entries(dimensions ?? {}).filter(
    (entry): entry is [string, string] => ALLOWED_DIMENSIONS.has(entry[0]) && typeof entry[1] === 'string' && entry[1].length > 0,
  );

/**
 * The `Metrics` port over a Powertools Metrics instance. Metrics without dimensions are buffered and
 * go out in one EMF blob when the handler calls `flushMetrics()` (or `publishStoredMetrics()`); a metric with dimensions is emitted at once as its own EMF line (`singleMetric()`), since
 * the dimensions of a buffered blob would apply to every metric in it.
 */
export const createMetricsPort = (metrics: PowertoolsMetrics): Metrics => {
  const emit = (name: MetricName, unit: MetricUnitValue, value: number, dimensions: MetricDimensions | undefined): void => {
    const dims = allowedDimensions(dimensions);
    if (dims.length === 0) {
      metrics.addMetric(name, unit, value);
      return;
    }
    const single = metrics.singleMetric();
    for (const [key, dimValue] of dims) single.addDimension(key, dimValue);
    single.addMetric(name, unit, value);
  };
  return {
    count: (name, value = 1, dimensions) => emit(name, MetricUnit.Count, value, dimensions),
    observe: (name, value, unit, dimensions) =>
      emit(name, unit === 'Milliseconds' ? MetricUnit.Milliseconds : MetricUnit.Count, value, dimensions),
  };
};

const serviceName = envOf('POWERTOOLS_SERVICE_NAME') ?? SERVICE_NAME;

export const logger = new Logger({ serviceName });

/**
 * The `Log` port over a Powertools Logger. Logger's methods take `...extra: LogAttributes[]`, which
 * TypeScript does not accept for the port's optional `extra`, and passing `undefined` through would
 * log it; so the extra keys are passed only when there are some.
 */
export const createLog = (target: Logger): Log => {
  const level =
    (write: (message: string, ...extra: LogExtra[]) => void) =>
    (message: string, extra?: LogExtra): void =>
      extra === undefined ? write(message) : write(message, extra);
  return {
    debug: level((m, ...e) => target.debug(m, ...e)),
    info: level((m, ...e) => target.info(m, ...e)),
    warn: level((m, ...e) => target.warn(m, ...e)),
    error: level((m, ...e) => target.error(m, ...e)),
  };
};

export const log: Log = createLog(logger);

export const powertoolsMetrics = new PowertoolsMetrics({
  serviceName,
  namespace: envOf('POWERTOOLS_METRICS_NAMESPACE') ?? METRICS_NAMESPACE,
});

export const metricsPort: Metrics = createMetricsPort(powertoolsMetrics);

/**
 * Writes the buffered metrics blob, if there is one. Handlers call this at the end of an invocation
 * instead of `publishStoredMetrics()`, which logs a warning when only dimensioned metrics (already
 * written) were recorded.
 */
export const flushMetrics = (metrics: PowertoolsMetrics = powertoolsMetrics): void => {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
};
