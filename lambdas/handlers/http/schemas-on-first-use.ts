// Request schemas of the api's rarer routes (create, POST /sweep, the workspaces), loaded with those
// routes on their first use (api-routes-on-first-use.ts, README "Performance"); the rest are in
// schemas.ts. Strict objects: an unknown field is a 400. Messages name what is expected, never the
// value received.
import * as v from '../../../contract/valibot';
import { MAX_METADATA_KEYS } from '../../use-cases/create-session';
import { OBJECT, wholeSeconds } from './schemas';

export const MAX_METADATA_VALUE_CHARS = 256;

/** Same rule as profile names in the configuration. */
const PROFILE_NAME = /^[a-z][a-z0-9-]{0,39}$/;
const PROFILE_RULE = 'must be lower-case letters, digits and dashes (at most 40)';
const METADATA_KEY = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$/;
const METADATA_KEY_RULE = 'keys must be 1 to 64 letters, digits or _.:/- and start with a letter or digit';
// Visible ASCII only: keys end up in logs and in DynamoDB keys.
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

/**
 * valibot's record passes over __proto__, constructor and prototype without a word (keys that
 * could reach an object's prototype); refused instead, so a client learns that they are not kept.
 */
const hasNoKey =
  (...keys: string[]) =>
  (input: Record<string, unknown>): boolean =>
    !keys.some((key) => Object.hasOwn(input, key));

const metadata = v.pipe(
  v.plainObject('must be an object of strings'),
  // __proto__ breaks the key rule anyway; the other two keep to it, so they are named as reserved
  // (not in the message: the key is input, and a message repeating it is replaced, error-mapping.ts).
  v.check(hasNoKey('__proto__'), METADATA_KEY_RULE),
  v.check(hasNoKey('constructor', 'prototype'), 'has a reserved key'),
  v.record(
    v.pipe(v.string(), v.regex(METADATA_KEY, METADATA_KEY_RULE)),
    v.pipe(v.string('values must be strings'), v.maxLength(MAX_METADATA_VALUE_CHARS, `values must be at most ${MAX_METADATA_VALUE_CHARS} characters`)),
  ),
  v.check((m) => Object.keys(m).length <= MAX_METADATA_KEYS, `must have at most ${MAX_METADATA_KEYS} keys`),
);

export const createSessionBody = v.pipe(
  v.plainObject(OBJECT),
  v.strictObject({
    profile: v.pipe(v.string('must be a string'), v.regex(PROFILE_NAME, PROFILE_RULE)),
    idleTimeoutSeconds: v.optional(wholeSeconds),
    maxLifetimeSeconds: v.optional(wholeSeconds),
    metadata: v.optional(metadata),
  }),
);
export type CreateSessionBody = v.InferOutput<typeof createSessionBody>;

export const sweepBody = v.pipe(v.plainObject(OBJECT), v.strictObject({ dryRun: v.optional(v.boolean('must be true or false')) }));

export const idempotencyKeySchema = v.pipe(v.string(), v.regex(IDEMPOTENCY_KEY, 'must be 1 to 128 visible ASCII characters'));

/** `DELETE /workspaces/{profile}`: a profile name. */
export const workspaceProfileSchema = v.pipe(v.string(), v.regex(PROFILE_NAME, PROFILE_RULE));

/** `GET /workspaces?ownerId=`: admins may name any owner; a user only themselves. */
export const listWorkspacesQuery = v.strictObject({
  ownerId: v.optional(v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(256, 'must be at most 256 characters'))),
});
