// Request schemas (valibot, so only the api bundle holds them: README "Performance"). Strict
// objects: an unknown field is a 400, not silently ignored. Bounds that depend on a profile
// (timeouts, the profile itself) are checked by the use case; here only shape and sanity. Messages
// name what is expected, never the value received.
import * as v from '../../../contract/valibot';
import { CONNECTION_ID_PATTERN, MAX_CONNECTION_ID_CHARS, RESERVED_CONNECTION_ID } from '../../domain/connections';
import { HEARTBEAT_KINDS, type Heartbeat, PRESENCE_KINDS } from '../../domain/deadline-policy';

export const MAX_METADATA_KEYS = 16;
export const MAX_METADATA_VALUE_CHARS = 256;
export const MAX_EXTEND_SECONDS = 7 * 24 * 3600;
export const MAX_LIST_LIMIT = 100;
export const DEFAULT_LIST_LIMIT = 20;

/** Same rule as profile names in the configuration. */
const PROFILE_NAME = /^[a-z][a-z0-9-]{0,39}$/;
const PROFILE_RULE = 'must be lower-case letters, digits and dashes (at most 40)';
const METADATA_KEY = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$/;
const METADATA_KEY_RULE = 'keys must be 1 to 64 letters, digits or _.:/- and start with a letter or digit';
// Visible ASCII only: keys end up in logs and in DynamoDB keys.
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;
// RFC 9562 (variants 1 to 8, nil, max), after lower-casing: the rule the API has always applied,
// stricter than valibot's `uuid` (any 8-4-4-4-12 hex).
const SESSION_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|0{8}-0{4}-0{4}-0{4}-0{12}|f{8}-f{4}-f{4}-f{4}-f{12})$/;

const OBJECT = 'must be a JSON object';
const WHOLE = 'must be a whole number';
// Safe integers, as before: past 2^53 a number no longer counts whole seconds exactly.
const wholeSeconds = v.pipe(v.number(WHOLE), v.safeInteger(WHOLE), v.gtValue(0, 'must be positive'));

export const sessionIdSchema = v.pipe(v.string(), v.toLowerCase(), v.regex(SESSION_ID, 'must be a UUID'));

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

const connectionId = v.pipe(
  v.string('must be a string'),
  v.regex(CONNECTION_ID_PATTERN, `must be 1 to ${MAX_CONNECTION_ID_CHARS} letters, digits or ._-`),
  v.check((id) => id !== RESERVED_CONNECTION_ID, 'is a reserved name'),
);
const KIND_RULE = `must be one of ${HEARTBEAT_KINDS.join(', ')}`;

// Errors name only the top-level field (validate.ts), and a message naming a nested key would
// count as echoing input (error-mapping.ts), so the rule speaks of both members at once.
const PERCENT_RULE = 'percents must be numbers from 0 to 100';
const percent = v.optional(v.pipe(v.number(PERCENT_RULE), v.minValue(0, PERCENT_RULE), v.maxValue(100, PERCENT_RULE)));
/** The task's use of its own limits, as the session agent read it (README "HTTP API", activity). */
const usage = v.optional(v.pipe(v.plainObject(OBJECT), v.strictObject({ memoryPercent: percent, diskPercent: percent })));

/**
 * Connect and disconnect must name their connection (README "HTTP API"); the presence kinds may.
 * Every kind but disconnect may carry `usage`; a connect may say it is the session agent's (`agent`).
 */
export const activityBody: v.GenericSchema<unknown, Heartbeat> = v.pipe(
  v.plainObject(OBJECT),
  // Its own message is only for a kind that is missing or none of these (the input is an object by now).
  v.variant(
    'kind',
    [
      v.strictObject({ kind: v.picklist(PRESENCE_KINDS), connectionId: v.optional(connectionId), usage }),
      v.strictObject({ kind: v.literal('connect'), connectionId, agent: v.optional(v.boolean('must be true or false')), usage }),
      v.strictObject({ kind: v.literal('disconnect'), connectionId }),
    ],
    KIND_RULE,
  ),
);

export const extendBody = v.pipe(
  v.plainObject(OBJECT),
  v.strictObject({ seconds: v.pipe(wholeSeconds, v.maxValue(MAX_EXTEND_SECONDS, `must be at most ${MAX_EXTEND_SECONDS}`)) }),
);

export const sweepBody = v.pipe(v.plainObject(OBJECT), v.strictObject({ dryRun: v.optional(v.boolean('must be true or false')) }));

const LIMIT_RULE = `must be a whole number from 1 to ${MAX_LIST_LIMIT}`;

// Query values arrive as strings (an object of them, never anything else); a limit is digits only
// (no "1e2", no "20.5"). The default is an input, so it is the string the pipe reads.
export const listSessionsQuery = v.strictObject({
  status: v.optional(v.picklist(['live', 'ended', 'all'], 'must be one of live, ended, all'), 'all'),
  limit: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,3}$/, LIMIT_RULE), v.transform(Number), v.minValue(1, LIMIT_RULE), v.maxValue(MAX_LIST_LIMIT, LIMIT_RULE)),
    String(DEFAULT_LIST_LIMIT),
  ),
  nextToken: v.optional(v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(4096, 'is too long'))),
});

export const idempotencyKeySchema = v.pipe(v.string(), v.regex(IDEMPOTENCY_KEY, 'must be 1 to 128 visible ASCII characters'));

/** `DELETE /workspaces/{profile}`: a profile name. */
export const workspaceProfileSchema = v.pipe(v.string(), v.regex(PROFILE_NAME, PROFILE_RULE));

/** `GET /workspaces?ownerId=`: admins may name any owner; a user only themselves. */
export const listWorkspacesQuery = v.strictObject({
  ownerId: v.optional(v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(256, 'must be at most 256 characters'))),
});
