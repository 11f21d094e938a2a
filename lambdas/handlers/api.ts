// The HTTP API Lambda (API Gateway HTTP API, payload v2; the local server sends the same events).
// A thin primary adapter: each route authenticates, validates, calls one use case and shapes the
// answer of README "HTTP API". Errors become HTTP answers in one place (http/error-mapping.ts).
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import { type ActivityResponse, type SessionView, type WorkspaceList } from '../../contract/wire';
import { type Caller } from '../domain/caller';
import { NotFoundError, ValidationError } from '../domain/errors';
import { type Session } from '../domain/session';
import { toSessionView } from '../domain/session-view';
import { createSession } from '../use-cases/create-session';
import { extendSession } from '../use-cases/extend-session';
import { getSession } from '../use-cases/get-session';
import { getStats } from '../use-cases/get-stats';
import { listSessions } from '../use-cases/list-sessions';
import { recordHeartbeat } from '../use-cases/record-heartbeat';
import { sweep } from '../use-cases/sweep';
import { terminateSession } from '../use-cases/terminate-session';
import { deleteWorkspace, listWorkspaces } from '../use-cases/manage-workspaces';
import { toWorkspaceView } from '../domain/workspace';
import { API_ROUTES, type RouteKey, routeKeyOf } from '../../contract/api-routes';
import { apiSetup } from '../roots/api-root';
import { initOnLambda } from '../wiring';
import { type HandlerDeps, type HandlerSetup } from './handler-setup';
import { accessLogMiddleware } from './http/access-log-middleware';
import { activityAuthOf, requireActivityCredential } from './http/activity-auth';
import { type ApiEvent, type ApiResult, headerOf } from './http/api-event';
import { callerOf } from './http/caller';
import { errorHandlerMiddleware } from './http/error-handler-middleware';
import { jsonBodyMiddleware } from './http/json-body-middleware';
import { requestIdMiddleware } from './http/request-id-middleware';
import { type ParsedBody, scopeOf } from './http/request-scope';
import { json } from './http/responses';
import { type Route, matchRoute } from './http/router';
import {
  activityBody,
  createSessionBody,
  extendBody,
  idempotencyKeySchema,
  listSessionsQuery,
  listWorkspacesQuery,
  sessionIdSchema,
  sweepBody,
  workspaceProfileSchema,
} from './http/schemas';
import { validate } from './http/validate';
import { observabilityMiddlewares } from './observability-middleware';

initOnLambda(apiSetup);

interface RouteRequest {
  event: ApiEvent;
  params: Record<string, string>;
  body: ParsedBody;
  /** Fetched per route, so /health answers even when the environment is broken. */
  deps: () => HandlerDeps;
}

type RouteHandler = (request: RouteRequest) => Promise<ApiResult> | ApiResult;

const sessionIdOf = (params: Record<string, string>): string => validate(sessionIdSchema, params['id'], 'id');

const requiredBody = (body: ParsedBody): unknown => {
  if (!body.present) throw new ValidationError('body', 'body: a JSON object is required');
  return body.value;
};

const optionalBody = (body: ParsedBody): unknown => (body.present ? body.value : {});

/** The view, and while the start is queued, where it stands if the queue can tell (README "Starting at the rate ECS allows"). */
const viewOf = (deps: HandlerDeps, session: Session): SessionView => {
  const view = toSessionView(session, deps.clock.now());
  const queued = session.status === 'starting' && session.taskArn === undefined && session.queuedAt !== undefined;
  const standing = queued ? deps.startQueue?.standingOf?.(session.id) : undefined;
  return standing === undefined ? view : { ...view, ...standing };
};

/** Admin routes answer 404 to everyone else, so they cannot be discovered by probing. */
const requireAdmin = (caller: Caller): void => {
  if (!caller.isAdmin) throw new NotFoundError();
};

const health: RouteHandler = () => json(200, { status: 'ok' });

const create: RouteHandler = async ({ event, body, deps: depsOf }) => {
  const deps = depsOf();
  const caller = callerOf(event, deps.adminGroup);
  const rawKey = headerOf(event, 'idempotency-key');
  const idempotencyKey = rawKey === undefined ? undefined : validate(idempotencyKeySchema, rawKey, 'Idempotency-Key');
  const request = validate(createSessionBody, requiredBody(body), 'body');
  const result = await createSession(deps, {
    ownerId: caller.ownerId,
    profile: request.profile,
    ...(request.idleTimeoutSeconds !== undefined && { idleTimeoutSeconds: request.idleTimeoutSeconds }),
    ...(request.maxLifetimeSeconds !== undefined && { maxLifetimeSeconds: request.maxLifetimeSeconds }),
    ...(request.metadata !== undefined && { metadata: request.metadata }),
    ...(idempotencyKey !== undefined && { idempotencyKey }),
  });
  const session = viewOf(deps, result.session);
  const location = { location: `/sessions/${result.session.id}` };
  // A replay gets the session but never the token again: it is only ever handed out once.
  if (result.replayed) return json(200, { session }, location);
  return json(201, { session, activityToken: result.activityToken }, location);
};

const list: RouteHandler = async ({ event, deps: depsOf }) => {
  const deps = depsOf();
  const caller = callerOf(event, deps.adminGroup);
  const query = validate(listSessionsQuery, event.queryStringParameters ?? {}, 'query');
  const page = await listSessions(deps, {
    ownerId: caller.ownerId,
    status: query.status,
    limit: query.limit,
    ...(query.nextToken !== undefined && { nextToken: query.nextToken }),
  });
  return json(200, {
    sessions: page.sessions.map((s) => viewOf(deps, s)),
    ...(page.nextToken !== undefined && { nextToken: page.nextToken }),
  });
};

const show: RouteHandler = async ({ event, params, deps: depsOf }) => {
  const deps = depsOf();
  const caller = callerOf(event, deps.adminGroup);
  const session = await getSession(deps, { id: sessionIdOf(params), caller });
  return json(200, { session: viewOf(deps, session) });
};

/** Both activity routes: the credential tells who reports (http/activity-auth.ts). */
const activity: RouteHandler = async ({ event, params, body, deps: depsOf }) => {
  requireActivityCredential(event);
  const deps = depsOf();
  const auth = await activityAuthOf(event, deps.jwtVerifier);
  const id = sessionIdOf(params);
  const heartbeat = validate(activityBody, requiredBody(body), 'body');
  const { session, nextReportInSeconds } = await recordHeartbeat(deps, { ...heartbeat, id, auth });
  const answer: ActivityResponse = { session: viewOf(deps, session), nextReportInSeconds };
  return json(200, answer);
};

const extend: RouteHandler = async ({ event, params, body, deps: depsOf }) => {
  const deps = depsOf();
  const caller = callerOf(event, deps.adminGroup);
  const id = sessionIdOf(params);
  const { seconds } = validate(extendBody, requiredBody(body), 'body');
  const session = await extendSession(deps, { id, ownerId: caller.ownerId, seconds });
  return json(200, { session: viewOf(deps, session) });
};

const terminate: RouteHandler = async ({ event, params, deps: depsOf }) => {
  const deps = depsOf();
  const caller = callerOf(event, deps.adminGroup);
  const { session, initiated } = await terminateSession(deps, { id: sessionIdOf(params), caller });
  // 202: the stop has begun and finishes asynchronously; 200: it was already stopping or ended.
  return json(initiated ? 202 : 200, { session: viewOf(deps, session) });
};

const stats: RouteHandler = async ({ event, deps: depsOf }) => {
  const deps = depsOf();
  requireAdmin(callerOf(event, deps.adminGroup));
  return json(200, await getStats(deps));
};

const sweepNow: RouteHandler = async ({ event, body, deps: depsOf }) => {
  const deps = depsOf();
  requireAdmin(callerOf(event, deps.adminGroup));
  const { dryRun = false } = validate(sweepBody, optionalBody(body), 'body');
  return json(200, await sweep(deps, { dryRun }));
};

const workspacesList: RouteHandler = async ({ event, deps: depsOf }) => {
  const deps = depsOf();
  const caller = callerOf(event, deps.adminGroup);
  const query = validate(listWorkspacesQuery, event.queryStringParameters ?? {}, 'query');
  const workspaces = await listWorkspaces(deps, { caller, ...(query.ownerId !== undefined && { ownerId: query.ownerId }) });
  const answer: WorkspaceList = { workspaces: workspaces.map(toWorkspaceView) };
  return json(200, answer);
};

const workspaceDelete: RouteHandler = async ({ event, params, deps: depsOf }) => {
  const deps = depsOf();
  const caller = callerOf(event, deps.adminGroup);
  const profile = validate(workspaceProfileSchema, params['profile'], 'profile');
  const workspace = await deleteWorkspace(deps, { ownerId: caller.ownerId, profile });
  return json(200, { workspace: toWorkspaceView(workspace) });
};

/** One handler per route of the contract; a route without one is a compile error. */
const HANDLERS: Record<RouteKey, RouteHandler> = {
  'GET /health': health,
  'POST /sessions': create,
  'GET /sessions': list,
  'GET /sessions/{id}': show,
  'POST /sessions/{id}/activity': activity,
  'POST /sessions/{id}/task-activity': activity,
  'POST /sessions/{id}/extend': extend,
  'DELETE /sessions/{id}': terminate,
  'GET /stats': stats,
  'POST /sweep': sweepNow,
  'GET /workspaces': workspacesList,
  'DELETE /workspaces/{profile}': workspaceDelete,
};

export const ROUTES: readonly Route<RouteHandler>[] = API_ROUTES.map((route) => ({
  method: route.method,
  path: route.path,
  handle: HANDLERS[routeKeyOf(route) as RouteKey],
}));

export const makeApiHandler = ({ deps, log }: HandlerSetup) => {
  const dispatch = async (event: ApiEvent): Promise<ApiResult> => {
    const { route, params } = matchRoute(ROUTES, event);
    return route.handle({ event, params, body: scopeOf(event).body, deps });
  };
  // Order matters: middy runs `before` top-down and `after`/`onError` bottom-up, so the error handler
  // answers first, then the request id is stamped on that answer, then it is logged and metrics flushed.
  return middy<ApiEvent, ApiResult>()
    .use(observabilityMiddlewares())
    .use(httpHeaderNormalizer())
    .use(accessLogMiddleware(log))
    .use(requestIdMiddleware())
    .use(errorHandlerMiddleware(log))
    .use(jsonBodyMiddleware())
    .handler(dispatch);
};

export const handler = makeApiHandler(apiSetup);
