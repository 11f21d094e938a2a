// The rules by which a request schema's first problem becomes the 400 a client reads: the top-level
// field only (never a nested key or a value), unknown and missing fields in our own words, and a
// bad metadata key by its rule.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../lambdas/domain/errors';
import { activityBody, listSessionsQuery, sessionIdSchema } from '../../../../lambdas/handlers/http/schemas';
import { createSessionBody } from '../../../../lambdas/handlers/http/schemas-on-first-use';
import { validate } from '../../../../lambdas/handlers/http/validate';

const problemOf = (run: () => unknown): { field: string; message: string } => {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return { field: error.field, message: error.message };
    throw error;
  }
  throw new Error('validated');
};

describe('validate', () => {
  it.each([
    [{ profile: 'notebook', ownerId: 'x' }, 'ownerId', 'ownerId: unknown field'],
    [{ profile: 'notebook', 'not a name': 1 }, 'body', 'body: has an unknown field'],
    [JSON.parse('{"profile":"notebook","__proto__":1}'), 'body', 'body: has an unknown field'],
    [{}, 'profile', 'profile: is required'],
    [{ profile: 'notebook', metadata: { 'bad key<b>': 'v' } }, 'metadata', 'metadata: keys must be 1 to 64 letters, digits or _.:/- and start with a letter or digit'],
    [{ profile: 'notebook', metadata: { note: 3 } }, 'metadata', 'metadata: values must be strings'],
    [{ profile: 'notebook', metadata: { prototype: 'v' } }, 'metadata', 'metadata: has a reserved key'],
    [['notebook'], 'body', 'body: must be a JSON object'],
  ])('answers the body %j with a problem of %s', (body, field, message) => {
    expect(problemOf(() => validate(createSessionBody, body, 'body'))).toEqual({ field, message });
  });

  it.each([
    [{}, 'kind', 'kind: is required'],
    [{ kind: 'sneeze' }, 'kind', 'kind: must be one of interaction, ping, busy, connect, disconnect'],
    [{ kind: 'ping', usage: { cpuPercent: 5 } }, 'usage', 'usage: unknown field'],
    [{ kind: 'ping', usage: ['x'] }, 'usage', 'usage: must be a JSON object'],
    [{ kind: 'connect' }, 'connectionId', 'connectionId: is required'],
  ])('answers the activity report %j with a problem of %s', (body, field, message) => {
    expect(problemOf(() => validate(activityBody, body, 'body'))).toEqual({ field, message });
  });

  it('names the whole input when it is not an object', () => {
    expect(problemOf(() => validate(sessionIdSchema, 'not-a-uuid', 'id'))).toEqual({ field: 'id', message: 'id: must be a UUID' });
  });

  it('lower-cases a session id before checking it', () => {
    expect(validate(sessionIdSchema, '7D0F3C2E-5B1A-4C8E-9F00-1234567890AB', 'id')).toBe('7d0f3c2e-5b1a-4c8e-9f00-1234567890ab');
  });

  it('fills the list defaults and reads a limit of digits only', () => {
    expect(validate(listSessionsQuery, {}, 'query')).toEqual({ status: 'all', limit: 20 });
    expect(validate(listSessionsQuery, { limit: '007' }, 'query')).toEqual({ status: 'all', limit: 7 });
    expect(problemOf(() => validate(listSessionsQuery, { limit: '1e2' }, 'query')).message).toBe('limit: must be a whole number from 1 to 100');
  });
});
