// Builds what API Gateway (HTTP API, payload format 2.0) would hand the api Lambda for a request,
// and a Lambda context to go with it, so the local server runs the deployed handler unchanged.
import { type Context } from 'aws-lambda';
import { type IncomingMessage } from 'node:http';
import { type ApiEvent, type JwtClaims } from '../lambdas/handlers/http/api-event';
import { type MatchedRoute } from './api-routes';

export interface RequestFacts {
  request: IncomingMessage;
  route: MatchedRoute;
  requestId: string;
  /** The body as text; undefined when the request had none (API Gateway then leaves `body` out). */
  body: string | undefined;
  /** Verified JWT claims for routes behind the authorizer. */
  claims?: JwtClaims;
  /** Epoch milliseconds the request arrived. */
  receivedAt: number;
}

/**
 * API Gateway passes claims as strings: arrays flattened to "[a b]", numbers as digits. Doing the same
 * here makes the handler's claim parsing face locally what it faces on AWS.
 */
export const flattenClaims = (claims: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(claims).map(([name, value]) => {
      if (Array.isArray(value)) return [name, `[${value.map(String).join(' ')}]`];
      if (typeof value === 'object' && value !== null) return [name, JSON.stringify(value)];
      return [name, String(value)];
    }),
  );

const headersOf = (request: IncomingMessage): Record<string, string> => {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
};

const queryOf = (search: URLSearchParams): Record<string, string> | undefined => {
  const query: Record<string, string> = {};
  for (const [name, value] of search) query[name] = name in query ? `${query[name]},${value}` : value;
  return Object.keys(query).length > 0 ? query : undefined;
};

/** API Gateway's `requestContext.time` format: 12/Mar/2020:19:03:58 +0000. */
const gatewayTime = (epochMs: number): string => {
  const d = new Date(epochMs);
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${month}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
};

export const toApiGatewayEvent = ({ request, route, requestId, body, claims, receivedAt }: RequestFacts): ApiEvent => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers = headersOf(request);
  const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const host = headers['host'] ?? 'localhost';
  const cookies = request.headers.cookie?.split(/;\s*/).filter((c) => c.length > 0);
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(cookies !== undefined && cookies.length > 0 && { cookies }),
    headers: { ...headers, 'x-forwarded-for': sourceIp, 'x-forwarded-proto': 'http' },
    ...(queryOf(url.searchParams) !== undefined && { queryStringParameters: queryOf(url.searchParams) }),
    ...(route.pathParameters !== undefined && { pathParameters: route.pathParameters }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: gatewayTime(receivedAt),
      timeEpoch: receivedAt,
      ...(claims !== undefined && { authorizer: { jwt: { claims: flattenClaims(claims), scopes: null } } }),
    },
    ...(body !== undefined && { body }),
    isBase64Encoded: false,
  };
};

/** A Lambda context for one local invocation (the handlers read little more than the request id). */
export const lambdaContext = (functionName: string, requestId: string, timeoutMs = 29_000): Context => {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};
