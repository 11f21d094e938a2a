// One log line per request: method, route, status, latency and request id. Never headers, bodies or
// query strings: they carry the JWT, the session token and the activity token of a new session.
import { type MiddlewareObj, type Request } from '@middy/core';
import { type Log } from '../../ports/observability';
import { type ApiEvent, type ApiResult } from './api-event';
import { scopeOf } from './request-scope';

export const accessLogMiddleware = (logger: Log): MiddlewareObj<ApiEvent, ApiResult> => {
  const log = (request: Request<ApiEvent, ApiResult>): void => {
    const scope = scopeOf(request.event);
    logger.info('request', {
      requestId: scope.requestId,
      method: request.event.requestContext?.http?.method,
      routeKey: request.event.routeKey,
      status: request.response?.statusCode ?? 500,
      latencyMs: Date.now() - scope.startedAt,
    });
  };
  return {
    before: (request) => {
      scopeOf(request.event);
    },
    after: log,
    onError: log,
  };
};
