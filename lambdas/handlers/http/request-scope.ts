// Per-request facts the middlewares share (request id, start time, parsed body, secrets to keep out
// of logs), kept beside the event rather than on it so the event stays what API Gateway sent.
import { randomUUID } from 'node:crypto';
import { type ApiEvent, headerOf } from './api-event';

export type ParsedBody = { present: false } | { present: true; value: unknown };

export interface RequestScope {
  requestId: string;
  startedAt: number;
  body: ParsedBody;
  /** Credentials carried by this request; log lines are scrubbed of them. */
  secrets: string[];
}

const scopes = new WeakMap<object, RequestScope>();

const secretsOf = (event: ApiEvent): string[] => {
  const found: string[] = [];
  const authorization = headerOf(event, 'authorization');
  if (authorization) {
    found.push(authorization);
    const bearer = /^bearer\s+(.+)$/i.exec(authorization)?.[1]?.trim();
    if (bearer) found.push(bearer);
  }
  const sessionToken = headerOf(event, 'x-session-token');
  if (sessionToken) found.push(sessionToken);
  // A task's SigV4 request carries its temporary credentials' session token beside the signature.
  const securityToken = headerOf(event, 'x-amz-security-token');
  if (securityToken) found.push(securityToken);
  // Longest first, so a header is removed whole before its token part is looked for.
  return found.filter((s) => s.length >= 8).sort((a, b) => b.length - a.length);
};

/** The scope of this event, created on first use (even when an early middleware failed). */
export const scopeOf = (event: ApiEvent): RequestScope => {
  let scope = scopes.get(event);
  if (scope === undefined) {
    const fromGateway = event.requestContext?.requestId;
    scope = {
      requestId: typeof fromGateway === 'string' && fromGateway.length > 0 ? fromGateway : randomUUID(),
      startedAt: Date.now(),
      body: { present: false },
      secrets: secretsOf(event),
    };
    scopes.set(event, scope);
  }
  return scope;
};

const MAX_INPUTS = 200;

/**
 * Every string and number the request carried: body values and nested keys (metadata keys are
 * input; top-level keys are our field names), path and query values, the idempotency key.
 */
export const inputsOf = (event: ApiEvent, scope: RequestScope): string[] => {
  const found: string[] = [];
  const walk = (value: unknown, depth: number): void => {
    if (found.length >= MAX_INPUTS) return;
    if (typeof value === 'string' || typeof value === 'number') found.push(String(value));
    else if (Array.isArray(value)) value.forEach((item) => walk(item, depth + 1));
    else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        if (depth > 0) found.push(key);
        walk(inner, depth + 1);
      }
    }
  };
  if (scope.body.present) walk(scope.body.value, 0);
  walk(event.pathParameters ?? {}, 0);
  walk(event.queryStringParameters ?? {}, 0);
  walk(headerOf(event, 'idempotency-key'), 0);
  return found;
};

/** Removes this request's credentials from a string about to be logged. */
export const redact = (scope: RequestScope, text: string): string =>
  scope.secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
