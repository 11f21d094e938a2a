// API Gateway HTTP API (payload v2) events for handler tests, built the way API Gateway builds them:
// lower-case headers, routeKey, rawPath with the path parameters filled in, and JWT claims (or the
// IAM signer) under requestContext.authorizer (absent on routes without an authorizer).
import { type Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { type ApiEvent, type IamCaller, type JwtClaims } from '../../lambdas/handlers/http/api-event';
import { T0 } from './time';

export interface ApiEventOptions {
  /** Path parameters, filled into the route's `{name}` placeholders. */
  params?: Record<string, string>;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as it is. */
  body?: unknown;
  isBase64Encoded?: boolean;
  query?: Record<string, string>;
  /** JWT claims from the authorizer; `null` for none (default: user-1, no groups). */
  claims?: JwtClaims | null;
  /** API Gateway's request id; `null` to leave it out. */
  requestId?: string | null;
  /** Override the route key, e.g. '$default' to exercise the method+path fallback. */
  routeKey?: string;
  /** The SigV4 signer API Gateway's IAM authorization verified (routes with IAM authorization only). */
  iam?: IamCaller;
}

export const USER = 'user-1';
export const OTHER_USER = 'user-2';

const fill = (path: string, params: Record<string, string>): string =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? `{${name}}`));

/** An event for `route`, e.g. apiEvent('POST /sessions/{id}/extend', { params: { id }, body: { seconds: 60 } }). */
export const apiEvent = (route: string, opts: ApiEventOptions = {}): ApiEvent => {
  const [method = 'GET', path = '/'] = route.split(' ');
  const params = opts.params ?? {};
  const rawPath = fill(path, params);
  const claims = opts.claims === undefined ? { sub: USER } : opts.claims;
  const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'vitest',
    ...Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
  };
  const query = opts.query;
  return {
    version: '2.0',
    routeKey: opts.routeKey ?? route,
    rawPath,
    rawQueryString: query === undefined ? '' : new URLSearchParams(query).toString(),
    headers,
    ...(query !== undefined && { queryStringParameters: query }),
    ...(Object.keys(params).length > 0 && { pathParameters: params }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'vitest' },
      requestId: opts.requestId === null ? '' : (opts.requestId ?? `req-${randomUUID()}`),
      routeKey: opts.routeKey ?? route,
      stage: '$default',
      // T0, as API Gateway writes it.
      time: '10/Mar/2026:12:00:00 +0000',
      timeEpoch: T0,
      ...(opts.iam !== undefined && { authorizer: { iam: opts.iam } }),
      ...(opts.iam === undefined && claims !== null && { authorizer: { jwt: { claims, scopes: null } } }),
    },
    ...(body !== undefined && { body }),
    isBase64Encoded: opts.isBase64Encoded ?? false,
  };
};

/** A Lambda context with what Powertools and middy read. */
export const lambdaContext = (functionName = 'session-expiry-test'): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
  memoryLimitInMB: '512',
  awsRequestId: randomUUID(),
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});
