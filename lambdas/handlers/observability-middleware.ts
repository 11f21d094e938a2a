// What every handler does around each invocation: the Lambda context's keys on its log lines
// (never the event: it carries the Authorization header), and one EMF flush of the metrics at the
// end, also when the invocation fails (`flushMetrics`, which writes only when something was
// recorded).
import { type MiddlewareObj } from '@middy/core';
import { type Context } from 'aws-lambda';
import { flushMetrics, invocationLog } from '../adapters/observability/lambda-observability';
import { type InvocationKeys, type JsonLog } from '../adapters/observability/json-log';

/**
 * The keys Powertools Logger added (README "Logs Insights queries" reads function_request_id).
 * cold_start is true for the first invocation of an on-demand environment only: a provisioned one
 * initialised long before its first request.
 */
export const invocationKeys = (context: Context, first: boolean): InvocationKeys => ({
  cold_start: first && process.env['AWS_LAMBDA_INITIALIZATION_TYPE'] !== 'provisioned-concurrency',
  function_arn: context.invokedFunctionArn,
  function_memory_size: Number(context.memoryLimitInMB),
  function_name: context.functionName,
  function_request_id: context.awsRequestId,
});

export const lambdaContextMiddleware = (target: JsonLog = invocationLog): MiddlewareObj => {
  let first = true;
  const clear = (): void => target.setInvocation(undefined);
  return {
    before: (request) => {
      target.setInvocation(invocationKeys(request.context, first));
      first = false;
    },
    after: clear,
    onError: clear,
  };
};

export const flushMetricsMiddleware = (): MiddlewareObj => ({ after: () => flushMetrics(), onError: () => flushMetrics() });

export const observabilityMiddlewares = (): MiddlewareObj[] => [lambdaContextMiddleware(), flushMetricsMiddleware()];
