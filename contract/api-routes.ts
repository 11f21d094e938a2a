// The routes of the HTTP API (DESIGN.md section 4), once: the CDK construct creates them, the local
// server matches requests against them as API Gateway would, and the api handler binds one handler
// to each route key (a route without a handler does not compile).

export const API_ROUTES = [
  { method: 'GET', path: '/health', authorized: false },
  { method: 'POST', path: '/sessions', authorized: true },
  { method: 'GET', path: '/sessions', authorized: true },
  { method: 'GET', path: '/sessions/{id}', authorized: true },
  // No JWT authorizer: a task reports activity with only its X-Session-Token, which a JWT authorizer
  // would reject. The handler authenticates it (token hash, or the owner's JWT verified in-function).
  { method: 'POST', path: '/sessions/{id}/activity', authorized: false },
  { method: 'POST', path: '/sessions/{id}/extend', authorized: true },
  { method: 'DELETE', path: '/sessions/{id}', authorized: true },
  { method: 'GET', path: '/stats', authorized: true },
  { method: 'POST', path: '/sweep', authorized: true },
] as const satisfies readonly { method: 'GET' | 'POST' | 'DELETE'; path: string; authorized: boolean }[];

export type ApiRoute = (typeof API_ROUTES)[number];
export type ApiMethod = ApiRoute['method'];
/** API Gateway's route key of each route, e.g. `POST /sessions/{id}/activity` (exact pairs only). */
export type RouteKey = ApiRoute extends infer R ? (R extends ApiRoute ? `${R['method']} ${R['path']}` : never) : never;

export const routeKeyOf = (route: Pick<ApiRoute, 'method' | 'path'>): string => `${route.method} ${route.path}`;
