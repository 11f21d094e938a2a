// A session's id, one rule at every door: the HTTP routes' `{id}`, the Scheduler's fire, a queued
// start and the SESSION_ID of a task's state change. Sessions are made with randomUUID (a v4 UUID,
// lower case) and DynamoDB compares keys exactly, so an id is lower-cased, then must be an RFC 9562
// UUID (variants 1 to 8, nil or max): stricter than valibot's `uuid` (any 8-4-4-4-12 hex).
import * as v from './valibot';

export const SESSION_ID_PATTERN = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|0{8}-0{4}-0{4}-0{4}-0{12}|f{8}-f{4}-f{4}-f{4}-f{12})$/;

export const sessionIdSchema = v.pipe(v.string(), v.toLowerCase(), v.regex(SESSION_ID_PATTERN, 'must be a UUID'));
