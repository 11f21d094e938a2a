// The HTTP API Lambda (API Gateway HTTP API, payload v2; the local server sends the same events).
// A thin primary adapter: each route authenticates, validates, calls one use case and shapes the
// answer of README "HTTP API". Errors become HTTP answers in one place (http/error-mapping.ts).
// The rarer routes (create, DELETE, the admin routes, the workspaces) are loaded on their first
// request (api-routes-on-first-use.ts, through roots/api-on-first-use.ts; README "Performance").
import middy from '@middy/core';
import { type ActivityResponse } from '../../contract/wire';
import { extendSession } from '../use-cases/extend-session';
import { getSession } from '../use-cases/get-session';
import { listSessions } from '../use-cases/list-sessions';
import { recordHeartbeat } from '../use-cases/record-heartbeat';
import { API_ROUTES, type RouteKey, routeKeyOf } from '../../contract/api-routes';
import { apiOnFirstUse, apiSetup } from '../roots/api-root';
import { initOnLambda } from '../wiring';
import type * as RarerRoutes from './api-routes-on-first-use';
import { type HandlerSetup } from './handler-setup';
import { accessLogMiddleware } from './http/access-log-middleware';
import { activityAuthOf, requireActivityCredential } from './http/activity-auth';
import { type ApiEvent, type ApiResult } from './http/api-event';
import { callerOf } from './http/caller';
import { errorHandlerMiddleware } from './http/error-handler-middleware';
import { jsonBodyMiddleware } from './http/json-body-middleware';
import { requestIdMiddleware } from './http/request-id-middleware';
import { scopeOf } from './http/request-scope';
import { json } from './http/responses';
import { type RouteHandler, requiredBody, sessionIdOf, viewOf } from './http/route-kit';
import { type Route, matchRoute } from './http/router';
import { activityBody, extendBody, listSessionsQuery } from './http/schemas';
import { validate } from './http/validate';
import { observabilityMiddlewares } from './observability-middleware';

initOnLambda(apiSetup);

/** A rarer route, loaded with the first request to one of them (roots/api-on-first-use.ts): a cold start parses none of them. */
const onFirstUseRoute =
  (name: keyof typeof RarerRoutes.ROUTES_ON_FIRST_USE): RouteHandler =>
  async (request) =>
    (await apiOnFirstUse()).ROUTES_ON_FIRST_USE[name](request);

const health: RouteHandler = () => json(200, { status: 'ok' });

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

/** One handler per route of the contract; a route without one is a compile error. */
const HANDLERS: Record<RouteKey, RouteHandler> = {
  'GET /health': health,
  'POST /sessions': onFirstUseRoute('create'),
  'GET /sessions': list,
  'GET /sessions/{id}': show,
  'POST /sessions/{id}/activity': activity,
  'POST /sessions/{id}/task-activity': activity,
  'POST /sessions/{id}/extend': extend,
  'DELETE /sessions/{id}': onFirstUseRoute('terminate'),
  'GET /stats': onFirstUseRoute('stats'),
  'POST /sweep': onFirstUseRoute('sweepNow'),
  'GET /workspaces': onFirstUseRoute('workspacesList'),
  'DELETE /workspaces/{profile}': onFirstUseRoute('workspaceDelete'),
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
  // No header-normalizing middleware: API Gateway's payload 2.0 and the local server both hand over
  // lowercase header names, and every read goes through headerOf (http/api-event.ts), which ignores case.
  // Order matters: middy runs `before` top-down and `after`/`onError` bottom-up, so the error handler
  // answers first, then the request id is stamped on that answer, then it is logged and metrics flushed.
  return middy<ApiEvent, ApiResult>()
    .use(observabilityMiddlewares())
    .use(accessLogMiddleware(log))
    .use(requestIdMiddleware())
    .use(errorHandlerMiddleware(log))
    .use(jsonBodyMiddleware())
    .handler(dispatch);
};

export const handler = makeApiHandler(apiSetup);
