// The api's rarer routes, loaded with import() on the first request to one of them, not at init
// (roots/api-on-first-use.ts, README "Performance"): creating a session (the owner slots,
// idempotency, profiles and workspaces it takes) and ending one by hand (DELETE: the end of a
// session, its task's stop, the slot and workspace it gives back), the admin routes (stats, POST
// /sweep) and the workspaces. A session is created once and deleted at most once (most end by
// expiry), while its task reports activity every minute or so: most cold starts of the api serve
// an activity report or a read, which need none of this.
import { type WorkspaceList } from '../../contract/wire';
import { toWorkspaceView } from '../domain/workspace';
import { createSession } from '../use-cases/create-session';
import { getStats } from '../use-cases/get-stats';
import { deleteWorkspace, listWorkspaces } from '../use-cases/manage-workspaces';
import { terminateSession } from '../use-cases/terminate-session';
import { sweep } from '../use-cases/sweep';
import { headerOf } from './http/api-event';
import { callerOf } from './http/caller';
import { json } from './http/responses';
import { type RouteHandler, optionalBody, requireAdmin, requiredBody, sessionIdOf, viewOf } from './http/route-kit';
import { createSessionBody, idempotencyKeySchema, listWorkspacesQuery, sweepBody, workspaceProfileSchema } from './http/schemas-on-first-use';
import { validate } from './http/validate';

export const create: RouteHandler = async ({ event, body, deps: depsOf }) => {
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

export const terminate: RouteHandler = async ({ event, params, deps: depsOf }) => {
  const deps = depsOf();
  const caller = callerOf(event, deps.adminGroup);
  const { session, initiated } = await terminateSession(deps, { id: sessionIdOf(params), caller });
  // 202: the stop has begun and finishes asynchronously; 200: it was already stopping or ended.
  return json(initiated ? 202 : 200, { session: viewOf(deps, session) });
};

export const stats: RouteHandler = async ({ event, deps: depsOf }) => {
  const deps = depsOf();
  requireAdmin(callerOf(event, deps.adminGroup));
  return json(200, await getStats(deps));
};

export const sweepNow: RouteHandler = async ({ event, body, deps: depsOf }) => {
  const deps = depsOf();
  requireAdmin(callerOf(event, deps.adminGroup));
  const { dryRun = false } = validate(sweepBody, optionalBody(body), 'body');
  return json(200, await sweep(deps, { dryRun }));
};

export const workspacesList: RouteHandler = async ({ event, deps: depsOf }) => {
  const deps = depsOf();
  const caller = callerOf(event, deps.adminGroup);
  const query = validate(listWorkspacesQuery, event.queryStringParameters ?? {}, 'query');
  const workspaces = await listWorkspaces(deps, { caller, ...(query.ownerId !== undefined && { ownerId: query.ownerId }) });
  const answer: WorkspaceList = { workspaces: workspaces.map(toWorkspaceView) };
  return json(200, answer);
};

export const workspaceDelete: RouteHandler = async ({ event, params, deps: depsOf }) => {
  const deps = depsOf();
  const caller = callerOf(event, deps.adminGroup);
  const profile = validate(workspaceProfileSchema, params['profile'], 'profile');
  const workspace = await deleteWorkspace(deps, { ownerId: caller.ownerId, profile });
  return json(200, { workspace: toWorkspaceView(workspace) });
};

/** The routes api.ts takes from here, by name. */
export const ROUTES_ON_FIRST_USE = { create, terminate, stats, sweepNow, workspacesList, workspaceDelete } satisfies Record<string, RouteHandler>;
