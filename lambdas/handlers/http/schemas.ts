// Request schemas (zod/mini, so only the api bundle holds them: README "Performance"). Each is a
// `z.lazy`, built on the first request that validates with it rather than at the api's cold start:
// zod builds a schema's parts eagerly, and a cold start that serves one heartbeat needs only the
// activity schema (README "Performance", cold-start row). Strict
// objects: an unknown field is a 400, not silently ignored. Bounds that depend on a profile
// (timeouts, the profile itself) are checked by the use case; here only shape and sanity. Messages
// name what is expected, never the value received.
import * as z from '../../../contract/zod-mini';
import { CONNECTION_ID_PATTERN, MAX_CONNECTION_ID_CHARS, RESERVED_CONNECTION_ID } from '../../domain/connections';
import { HEARTBEAT_KINDS, type Heartbeat, PRESENCE_KINDS } from '../../domain/deadline-policy';

export const MAX_METADATA_KEYS = 16;
export const MAX_METADATA_VALUE_CHARS = 256;
export const MAX_EXTEND_SECONDS = 7 * 24 * 3600;
export const MAX_LIST_LIMIT = 100;
export const DEFAULT_LIST_LIMIT = 20;

/** Same rule as profile names in the configuration. */
const PROFILE_NAME = /^[a-z][a-z0-9-]{0,39}$/;
const METADATA_KEY = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$/;
// Visible ASCII only: keys end up in logs and in DynamoDB keys.
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

const OBJECT = 'must be a JSON object';
const wholeSeconds = (...checks: z.core.$ZodCheck<number>[]) =>
  z.int('must be a whole number').check(z.positive('must be positive'), ...checks);

export const sessionIdSchema = z.lazy(() => z.pipe(z.string().check(z.toLowerCase()), z.uuid('must be a UUID')));

const metadata = () =>
  z
    .record(
      z.string().check(z.regex(METADATA_KEY, 'keys must be 1 to 64 letters, digits or _.:/- and start with a letter or digit')),
      z.string('values must be strings').check(z.maxLength(MAX_METADATA_VALUE_CHARS, `values must be at most ${MAX_METADATA_VALUE_CHARS} characters`)),
      { error: (issue) => (issue.code === 'invalid_type' ? 'must be an object of strings' : undefined) },
    )
    .check(z.refine((m) => Object.keys(m).length <= MAX_METADATA_KEYS, `must have at most ${MAX_METADATA_KEYS} keys`));

export const createSessionBody = z.lazy(() =>
  z.strictObject(
    {
      profile: z.string('must be a string').check(z.regex(PROFILE_NAME, 'must be lower-case letters, digits and dashes (at most 40)')),
      idleTimeoutSeconds: z.optional(wholeSeconds()),
      maxLifetimeSeconds: z.optional(wholeSeconds()),
      metadata: z.optional(metadata()),
    },
    OBJECT,
  ),
);
export type CreateSessionBody = z.infer<typeof createSessionBody>;

const connectionId = () =>
  z
    .string('must be a string')
    .check(
      z.regex(CONNECTION_ID_PATTERN, `must be 1 to ${MAX_CONNECTION_ID_CHARS} letters, digits or ._-`),
      z.refine((id) => id !== RESERVED_CONNECTION_ID, 'is a reserved name'),
    );
const KIND_RULE = `must be one of ${HEARTBEAT_KINDS.join(', ')}`;

// Errors name only the top-level field (validate.ts), and a message naming a nested key would
// count as echoing input (error-mapping.ts), so the rule speaks of both members at once.
const PERCENT_RULE = 'percents must be numbers from 0 to 100';
const percent = () => z.optional(z.number(PERCENT_RULE).check(z.gte(0, PERCENT_RULE), z.lte(100, PERCENT_RULE)));
/** The task's use of its own limits, as the session agent read it (README "HTTP API", activity). */
const usage = () => z.strictObject({ memoryPercent: percent(), diskPercent: percent() }, OBJECT);

/**
 * Connect and disconnect must name their connection (README "HTTP API"); the presence kinds may.
 * Every kind but disconnect may carry `usage`; a connect may say it is the session agent's (`agent`).
 */
export const activityBody: z.ZodMiniType<Heartbeat> = z.lazy(() =>
  z.discriminatedUnion(
    'kind',
    [
      z.strictObject({ kind: z.enum(PRESENCE_KINDS), connectionId: z.optional(connectionId()), usage: z.optional(usage()) }),
      z.strictObject({ kind: z.literal('connect'), connectionId: connectionId(), agent: z.optional(z.boolean('must be true or false')), usage: z.optional(usage()) }),
      z.strictObject({ kind: z.literal('disconnect'), connectionId: connectionId() }),
    ],
    { error: (issue) => (issue.code === 'invalid_union' ? KIND_RULE : OBJECT) },
  ),
);

export const extendBody = z.lazy(() =>
  z.strictObject({ seconds: wholeSeconds(z.lte(MAX_EXTEND_SECONDS, `must be at most ${MAX_EXTEND_SECONDS}`)) }, OBJECT),
);

export const sweepBody = z.lazy(() => z.strictObject({ dryRun: z.optional(z.boolean('must be true or false')) }, OBJECT));

const LIMIT_RULE = `must be a whole number from 1 to ${MAX_LIST_LIMIT}`;

// Query values arrive as strings; a limit is digits only (no "1e2", no "20.5").
export const listSessionsQuery = z.lazy(() =>
  z.strictObject({
    status: z._default(z.enum(['live', 'ended', 'all'], 'must be one of live, ended, all'), 'all'),
    limit: z._default(
      z.pipe(
        z.pipe(z.string().check(z.regex(/^\d{1,3}$/, LIMIT_RULE)), z.transform(Number)),
        z.int().check(z.gte(1, LIMIT_RULE), z.lte(MAX_LIST_LIMIT, LIMIT_RULE)),
      ),
      DEFAULT_LIST_LIMIT,
    ),
    nextToken: z.optional(z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(4096, 'is too long'))),
  }),
);

export const idempotencyKeySchema = z.lazy(() => z.string().check(z.regex(IDEMPOTENCY_KEY, 'must be 1 to 128 visible ASCII characters')));

/** `DELETE /workspaces/{profile}`: a profile name. */
export const workspaceProfileSchema = z.lazy(() => z.string().check(z.regex(PROFILE_NAME, 'must be lower-case letters, digits and dashes (at most 40)')));

/** `GET /workspaces?ownerId=`: admins may name any owner; a user only themselves. */
export const listWorkspacesQuery = z.lazy(() =>
  z.strictObject({
    ownerId: z.optional(z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(256, 'must be at most 256 characters'))),
  }),
);
