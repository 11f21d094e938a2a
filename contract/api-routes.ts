// The routes of the HTTP API (README "HTTP API"), once: the CDK construct creates them, the local
// server matches requests against them as API Gateway would, and the api handler binds one handler
// to each route key (a route without a handler does not compile). Matching a path to a route is
// here too, pure, so the local server and the api handler's router match alike.

/**
 * Who API Gateway lets through to the function, per route (README "How a task authenticates"):
 * `jwt` the HTTP API's JWT authorizer; `iam` SigV4 with AWS credentials allowed `execute-api:Invoke`
 * (a session's own task, with its task role); `none` anyone, the function checks what it needs.
 */
export type RouteAuthorizer = 'none' | 'jwt' | 'iam';

export const API_ROUTES = [
  { method: 'GET', path: '/health', authorizer: 'none' },
  { method: 'POST', path: '/sessions', authorizer: 'jwt' },
  { method: 'GET', path: '/sessions', authorizer: 'jwt' },
  { method: 'GET', path: '/sessions/{id}', authorizer: 'jwt' },
  // No API Gateway authorizer: a route has at most one and it cannot be optional, and this one takes
  // the owner's JWT or, in the local stack, the task's X-Session-Token; the function verifies either,
  // and refuses a request carrying neither before any work.
  { method: 'POST', path: '/sessions/{id}/activity', authorizer: 'none' },
  // A session's task on AWS: requests signed with its task role, whose session name ECS sets to the
  // task id; the function checks that it is this session's task. The local stack has no IAM.
  { method: 'POST', path: '/sessions/{id}/task-activity', authorizer: 'iam' },
  { method: 'POST', path: '/sessions/{id}/extend', authorizer: 'jwt' },
  { method: 'DELETE', path: '/sessions/{id}', authorizer: 'jwt' },
  { method: 'GET', path: '/stats', authorizer: 'jwt' },
  { method: 'POST', path: '/sweep', authorizer: 'jwt' },
  // An owner's workspaces (README "Workspaces").
  { method: 'GET', path: '/workspaces', authorizer: 'jwt' },
  { method: 'DELETE', path: '/workspaces/{profile}', authorizer: 'jwt' },
] as const satisfies readonly { method: 'GET' | 'POST' | 'DELETE'; path: string; authorizer: RouteAuthorizer }[];

export type ApiRoute = (typeof API_ROUTES)[number];
export type ApiMethod = ApiRoute['method'];
/** API Gateway's route key of each route, e.g. `POST /sessions/{id}/activity` (exact pairs only). */
export type RouteKey = ApiRoute extends infer R ? (R extends ApiRoute ? `${R['method']} ${R['path']}` : never) : never;

/** The routes sessions report activity on (README "Sizing the activity routes"): their own throttle and alarms. */
export const ACTIVITY_ROUTE_KEYS = ['POST /sessions/{id}/activity', 'POST /sessions/{id}/task-activity'] as const satisfies readonly RouteKey[];

/** A route as the matcher sees it: a method and an API Gateway path pattern such as `/sessions/{id}`. */
export interface RoutePattern {
  method: string;
  path: string;
}

export const routeKeyOf = (route: RoutePattern): string => `${route.method} ${route.path}`;

export interface PathMatch<R extends RoutePattern> {
  route: R;
  /** Percent-decoded path parameters, by name (empty for a route without any). */
  params: Record<string, string>;
}

const segmentsOf = (path: string): string[] => path.split('/').filter((s) => s.length > 0);

/**
 * The path parameters if `path` fits `pattern`, else undefined. Segments are compared one by one
 * (an empty one, as from a trailing slash, does not count); a `{name}` segment matches any one
 * segment, percent-decoded, and a malformed percent-encoding matches nothing (no id looks like it).
 */
export const matchPath = (pattern: string, path: string): Record<string, string> | undefined => {
  const want = segmentsOf(pattern);
  const got = segmentsOf(path);
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const actual = got[i] ?? '';
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (name === undefined) {
      if (part !== actual) return undefined;
      continue;
    }
    try {
      params[name] = decodeURIComponent(actual);
    } catch {
      return undefined;
    }
  }
  return params;
};

/** Every route whose path fits `path`, whatever its method (the caller picks the method, or answers 405). */
export const routesOnPath = <R extends RoutePattern>(routes: readonly R[], path: string): PathMatch<R>[] =>
  routes.flatMap((route) => {
    const params = matchPath(route.path, path);
    return params === undefined ? [] : [{ route, params }];
  });
