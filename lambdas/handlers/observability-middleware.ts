// What every handler does around each invocation: Lambda context on the log lines (never the
// event: it carries the Authorization header), and one EMF flush of the metrics at the end, also
// when the invocation fails (`flushMetrics`, which writes only when something was recorded).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type MiddlewareObj } from '@middy/core';
import { flushMetrics, logger } from '../adapters/observability/powertools';

export const flushMetricsMiddleware = (): MiddlewareObj => ({ after: () => flushMetrics(), onError: () => flushMetrics() });

export const observabilityMiddlewares = (): MiddlewareObj[] => [
  // logEvent false beats POWERTOOLS_LOGGER_LOG_EVENT: an operator flag must not log credentials.
  injectLambdaContext(logger, { logEvent: false, resetKeys: true }),
  flushMetricsMiddleware(),
];
