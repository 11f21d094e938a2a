// The local API Gateway: a Node HTTP server that matches the route table, verifies the Bearer JWT
// where the HTTP API's JWT authorizer would (401 before the handler ever runs), refuses the IAM route
// (403: nothing signs locally), builds the payload 2.0 event and turns the handler's result back into
// an HTTP response. One log line per request. It does not throttle.
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type Context } from 'aws-lambda';
import { type JwtVerifier } from '../lambdas/adapters/auth/jwt-verifier';
import { type ApiEvent } from '../lambdas/handlers/http/api-event';
import { type MatchedRoute, matchApiRoute } from './api-routes';
import { lambdaContext, toApiGatewayEvent } from './api-gateway-event';

export type ApiHandler = (event: ApiEvent, context: Context) => Promise<unknown>;

export interface ApiServerOptions {
  /** The api Lambda handler (resolved per request, so it can be swapped in tests). */
  handler: () => ApiHandler;
  verifier: JwtVerifier;
  /** One line per request. */
  logLine: (line: string) => void;
  /** Answer 503 until this says the stack is ready. */
  ready?: () => boolean;
  /** Bodies above this are refused before the handler (API Gateway's own limit is 10 MB). */
  maxBodyBytes?: number;
}

interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const errorAnswer = (statusCode: number, code: string, message: string, requestId: string): HttpAnswer => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'x-request-id': requestId },
  body: JSON.stringify({ error: { code, message } }),
});

class BodyTooLarge extends Error {}

const readBody = (request: IncomingMessage, limit: number): Promise<string | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(size === 0 ? undefined : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });

/** The handler's result as API Gateway reads it: a structured result, or anything else as a 200 JSON body. */
const toAnswer = (result: unknown, requestId: string): HttpAnswer => {
  const base = { 'apigw-requestid': requestId };
  if (typeof result === 'object' && result !== null && 'statusCode' in result) {
    const r = result as { statusCode: number; headers?: Record<string, unknown>; body?: unknown; isBase64Encoded?: boolean };
    const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
    const raw = typeof r.body === 'string' ? r.body : '';
    const body = r.isBase64Encoded === true ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    return { statusCode: r.statusCode, headers: { ...base, ...headers }, body };
  }
  const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  return { statusCode: 200, headers: { ...base, 'content-type': 'application/json' }, body };
};

const bearerOf = (request: IncomingMessage): string | undefined => {
  const header = request.headers.authorization;
  return header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
};

export const createApiServer = (options: ApiServerOptions): Server => {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const answer = async (request: IncomingMessage, requestId: string, receivedAt: number): Promise<HttpAnswer> => {
    if (options.ready !== undefined && !options.ready()) return errorAnswer(503, 'unavailable', 'the local stack is starting', requestId);
    const url = new URL(request.url ?? '/', 'http://localhost');
    const route: MatchedRoute | undefined = matchApiRoute(request.method ?? 'GET', url.pathname);
    if (route === undefined) return errorAnswer(404, 'not_found', 'not found', requestId);
    if (route.route.authorizer === 'iam') {
      // API Gateway refuses an unsigned request on an IAM route with 403. There is no IAM here to
      // sign with, so every request gets that answer; local tasks report on the activity route with
      // their X-Session-Token instead (README "How a task authenticates").
      return errorAnswer(403, 'forbidden', 'this route takes SigV4-signed requests from ECS tasks; locally, report with X-Session-Token on POST /sessions/{id}/activity', requestId);
    }
    let claims: Record<string, unknown> | undefined;
    if (route.route.authorizer === 'jwt') {
      // As the JWT authorizer: no or a bad token never reaches the function.
      const token = bearerOf(request);
      if (token === undefined) return errorAnswer(401, 'unauthorized', 'authentication required', requestId);
      try {
        claims = await options.verifier.verify(token);
      } catch {
        return errorAnswer(401, 'unauthorized', 'authentication required', requestId);
      }
    }
    let body: string | undefined;
    try {
      body = await readBody(request, maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) return errorAnswer(413, 'payload_too_large', 'request body too large', requestId);
      throw error;
    }
    const event = toApiGatewayEvent({ request, route, requestId, body, receivedAt, ...(claims !== undefined && { claims }) });
    const result = await options.handler()(event, lambdaContext('session-expiry-api-local', randomUUID()));
    return toAnswer(result, requestId);
  };

  const serve = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const receivedAt = Date.now();
    const requestId = randomUUID();
    let reply: HttpAnswer;
    try {
      reply = await answer(request, requestId, receivedAt);
    } catch (error) {
      // A handler that throws is a Lambda error: API Gateway answers 500 without details.
      options.logLine(`${request.method} ${request.url} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      reply = errorAnswer(500, 'internal', 'internal error', requestId);
    }
    const body = Buffer.from(reply.body, 'utf8');
    response.writeHead(reply.statusCode, { ...reply.headers, 'content-length': String(body.length) });
    response.end(body);
    // Path only: query strings are not logged (nothing secret is in them today, but keep it so).
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    options.logLine(`${request.method} ${path} ${reply.statusCode} ${Date.now() - receivedAt}ms`);
  };

  return createServer((request, response) => {
    void serve(request, response);
  });
};
