// The functions' log and metrics, made once per process with the service name and namespace that
// CDK sets (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL: the names
// Powertools read, kept so that operators' settings still apply; by default the contract's own
// values, which the alarms watch). Both write to stdout: JSON log lines (json-log.ts) and EMF
// blobs (emf-metrics.ts). Importing this module only makes these objects; it writes nothing. No
// X-Ray SDK: Lambda's active tracing records each invocation, and log lines carry its trace id
// (README "Tracing").
import { type FunctionEnvName } from '../../../contract/function-env';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../../contract/observability';
import { type Log, type Metrics } from '../../ports/observability';
import { createEmfMetrics } from './emf-metrics';
import { type JsonLog, createJsonLog, logLevelOf } from './json-log';

/** A variable CDK sets (a contract name, so a typo fails typecheck); empty counts as unset. */
const envOf = (name: FunctionEnvName | 'POWERTOOLS_LOG_LEVEL' | 'AWS_LAMBDA_LOG_LEVEL'): string | undefined => process.env[name] || undefined;

/** Looked up on each line, not bound at import: tests (and nothing else) replace it. */
const toStdout = (line: string): void => {
  process.stdout.write(line);
};

const service = envOf('POWERTOOLS_SERVICE_NAME') ?? SERVICE_NAME;

/** The log, with the keys of the running invocation (set by the handlers' middleware). */
export const invocationLog: JsonLog = createJsonLog({
  service,
  level: logLevelOf(envOf('POWERTOOLS_LOG_LEVEL'), envOf('AWS_LAMBDA_LOG_LEVEL')),
  write: toStdout,
});

export const log: Log = invocationLog;

const emf = createEmfMetrics({ namespace: envOf('POWERTOOLS_METRICS_NAMESPACE') ?? METRICS_NAMESPACE, service, write: toStdout });

export const metricsPort: Metrics = emf.port;

/** Writes the metrics buffered in this invocation as one EMF blob, if there are any. */
export const flushMetrics = (): void => emf.flush();
