// Request schemas of the routes a cold start may serve first (valibot, so only the api bundle holds
// them: README "Performance"); those of the rarer routes (create, sweep, workspaces) are in
// schemas-on-first-use.ts, loaded with them. Strict objects: an unknown field is a 400, not
// silently ignored. Bounds that depend on a profile (timeouts, the profile itself) are checked by
// the use case; here only shape and sanity. Messages name what is expected, never the value received.
import * as v from '../../../contract/valibot';
import { CONNECTION_ID_PATTERN, MAX_CONNECTION_ID_CHARS, RESERVED_CONNECTION_ID } from '../../domain/connections';
import { HEARTBEAT_KINDS, type Heartbeat, PRESENCE_KINDS } from '../../domain/deadline-policy';

export const MAX_EXTEND_SECONDS = 7 * 24 * 3600;
export const MAX_LIST_LIMIT = 100;
export const DEFAULT_LIST_LIMIT = 20;

export const OBJECT = 'must be a JSON object';
const WHOLE = 'must be a whole number';
// Safe integers, as before: past 2^53 a number no longer counts whole seconds exactly.
export const wholeSeconds = v.pipe(v.number(WHOLE), v.safeInteger(WHOLE), v.gtValue(0, 'must be positive'));

/** The `{id}` of a session route (contract/session-id.ts: the rule every entry point applies). */
export { sessionIdSchema } from '../../../contract/session-id';

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
