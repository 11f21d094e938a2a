// What every handler does around each invocation: Lambda context on the log lines (never the
// event: it carries the Authorization header), and one EMF flush of the metrics at the end, also
// when the invocation fails. Flushing only when something was recorded keeps Powertools from
// warning on every request that emits no metric.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type MiddlewareObj } from '@middy/core';
import { logger, powertoolsMetrics } from '../adapters/observability/powertools';

const flush = (): void => {
  if (powertoolsMetrics.hasStoredMetrics()) powertoolsMetrics.publishStoredMetrics();
};

export const flushMetricsMiddleware = (): MiddlewareObj => ({ after: flush, onError: flush });

export const observabilityMiddlewares = (): MiddlewareObj[] => [
  // logEvent false beats POWERTOOLS_LOGGER_LOG_EVENT: an operator flag must not log credentials.
  injectLambdaContext(logger, { logEvent: false, resetKeys: true }),
  flushMetricsMiddleware(),
];
