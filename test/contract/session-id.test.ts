// One session-id rule at every door (contract/session-id.ts): the HTTP routes' {id}, the Scheduler's
// fire and a queued start read an id alike (the task event's SESSION_ID: task-event.test.ts).
import { describe, expect, it } from 'vitest';
import { sessionIdSchema } from '../../contract/session-id';
import * as v from '../../contract/valibot';
import { expiryFireSchema } from '../../lambdas/handlers/expire';
import { sessionIdSchema as routeIdSchema } from '../../lambdas/handlers/http/schemas';
import { startRequestSchema } from '../../lambdas/handlers/starter';

const ID = '7d0f3c2e-5b1a-4c8e-9f00-1234567890ab';
/** Hex in the 8-4-4-4-12 shape, but of version 0: not an RFC 9562 UUID. */
const VERSION_0 = '7d0f3c2e-5b1a-0c8e-9f00-1234567890ab';

/** What a schema makes of its input, or undefined when it refuses it. */
const outputOf = <S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> | undefined => {
  const result = v.safeParse(schema, input);
  return result.success ? result.output : undefined;
};

/** Each door, and the session id it goes on with for an id given. */
const doors: [string, (id: string) => string | undefined][] = [
  ['an HTTP route', (id) => outputOf(routeIdSchema, id)],
  ['an expiry fire', (id) => outputOf(expiryFireSchema, { sessionId: id, scheduleName: `${ID}-1` })?.sessionId],
  ['a queued start', (id) => outputOf(startRequestSchema, { sessionId: id, activityToken: 't', attempt: 1 })?.sessionId],
];

describe('session ids', () => {
  it.each(doors)('%s takes a session id lower-cased', (_, read) => {
    expect(read(ID)).toBe(ID);
    expect(read(ID.toUpperCase())).toBe(ID);
  });

  it.each(doors)('%s refuses what is not an RFC 9562 UUID', (_, read) => {
    for (const bad of [VERSION_0, 'x', `${ID}0`, '']) expect(read(bad)).toBeUndefined();
  });

  it('is the one rule: the HTTP schema is the contract\'s', () => {
    expect(routeIdSchema).toBe(sessionIdSchema);
  });
});
