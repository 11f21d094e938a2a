// What every route of the api shares (api.ts, and the rarer routes it loads on first use,
// api-routes-on-first-use.ts): the request a route gets, and the small steps most routes take.
import { type Caller } from '../../domain/caller';
import { NotFoundError, ValidationError } from '../../domain/errors';
import { type Session } from '../../domain/session';
import { toSessionView } from '../../domain/session-view';
import { type SessionView } from '../../../contract/wire';
import { type HandlerDeps } from '../handler-setup';
import { type ApiEvent, type ApiResult } from './api-event';
import { type ParsedBody } from './request-scope';
import { sessionIdSchema } from './schemas';
import { validate } from './validate';

export interface RouteRequest {
  event: ApiEvent;
  params: Record<string, string>;
  body: ParsedBody;
  /** Fetched per route, so /health answers even when the environment is broken. */
  deps: () => HandlerDeps;
}

export type RouteHandler = (request: RouteRequest) => Promise<ApiResult> | ApiResult;

/** The `{id}` of a session route, validated. */
export const sessionIdOf = (params: Record<string, string>): string => validate(sessionIdSchema, params['id'], 'id');

export const requiredBody = (body: ParsedBody): unknown => {
  if (!body.present) throw new ValidationError('body', 'body: a JSON object is required');
  return body.value;
};

export const optionalBody = (body: ParsedBody): unknown => (body.present ? body.value : {});

/** The view, and while the start is queued, where it stands if the queue can tell (README "Starting at the rate ECS allows"). */
export const viewOf = (deps: HandlerDeps, session: Session): SessionView => {
  const view = toSessionView(session, deps.clock.now());
  const queued = session.status === 'starting' && session.taskArn === undefined && session.queuedAt !== undefined;
  const standing = queued ? deps.startQueue?.standingOf?.(session.id) : undefined;
  return standing === undefined ? view : { ...view, ...standing };
};

/** Admin routes answer 404 to everyone else, so they cannot be discovered by probing. */
export const requireAdmin = (caller: Caller): void => {
  if (!caller.isAdmin) throw new NotFoundError();
};
