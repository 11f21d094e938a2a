// Every response carries `x-request-id` (API Gateway's request id, else a fresh UUID) so a user
// can quote it and an operator can find the log lines; and every response is JSON.
import { type MiddlewareObj, type Request } from '@middy/core';
import { type ApiEvent, type ApiResult } from './api-event';
import { scopeOf } from './request-scope';
import { JSON_CONTENT_TYPE } from './responses';

const stamp = (request: Request<ApiEvent, ApiResult>): void => {
  const { requestId } = scopeOf(request.event);
  const response = request.response;
  if (response === null || response === undefined) return;
  response.headers = { 'content-type': JSON_CONTENT_TYPE, ...response.headers, 'x-request-id': requestId };
};

export const requestIdMiddleware = (): MiddlewareObj<ApiEvent, ApiResult> => ({
  before: (request) => {
    scopeOf(request.event);
  },
  after: stamp,
  onError: stamp,
});
