// Turns any error thrown by a route or a middleware into its one HTTP answer (error-mapping.ts).
// Unexpected errors are logged here with their details, scrubbed of the request's credentials;
// the client gets a bare 500.
import { type MiddlewareObj } from '@middy/core';
import { type Log } from '../../ports/observability';
import { type ApiEvent, type ApiResult } from './api-event';
import { mapError } from './error-mapping';
import { inputsOf, redact, scopeOf } from './request-scope';

export const errorHandlerMiddleware = (logger: Log): MiddlewareObj<ApiEvent, ApiResult> => ({
  onError: (request) => {
    const scope = scopeOf(request.event);
    const { response, unexpected } = mapError(request.error, inputsOf(request.event, scope));
    if (unexpected) {
      const error = request.error;
      logger.error('unexpected error', {
        requestId: scope.requestId,
        routeKey: request.event.routeKey,
        error: {
          name: error instanceof Error ? error.name : typeof error,
          message: redact(scope, error instanceof Error ? error.message : String(error)),
          stack: error instanceof Error && error.stack ? redact(scope, error.stack) : undefined,
        },
      });
    }
    // Set, not return: returning would stop the other onError middlewares (request id, access log).
    request.response = response;
  },
});
