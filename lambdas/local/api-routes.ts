// The routes of the HTTP API (DESIGN.md section 4) as API Gateway knows them: route keys and
// whether the JWT authorizer guards them. The local server matches requests against this table
// exactly as API Gateway would, so an unknown route never reaches the handler there either.

export interface ApiRoute {
  method: 'GET' | 'POST' | 'DELETE';
  /** API Gateway syntax: `/sessions/{id}`. */
  path: string;
  /** False for routes without the JWT authorizer: health, and activity (the handler authenticates it). */
  authorized: boolean;
}

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/health', authorized: false },
  { method: 'POST', path: '/sessions', authorized: true },
  { method: 'GET', path: '/sessions', authorized: true },
  { method: 'GET', path: '/sessions/{id}', authorized: true },
  { method: 'POST', path: '/sessions/{id}/activity', authorized: false },
  { method: 'POST', path: '/sessions/{id}/extend', authorized: true },
  { method: 'DELETE', path: '/sessions/{id}', authorized: true },
  { method: 'GET', path: '/stats', authorized: true },
  { method: 'POST', path: '/sweep', authorized: true },
];

export const routeKeyOf = (route: ApiRoute): string => `${route.method} ${route.path}`;

export interface MatchedRoute {
  route: ApiRoute;
  routeKey: string;
  /** Decoded path parameters; undefined when the route has none (as API Gateway leaves them out). */
  pathParameters?: Record<string, string>;
}

const segments = (path: string): string[] => path.split('/').filter((s) => s.length > 0);

const decode = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

/** The route for a method and raw path, or undefined (API Gateway answers 404 then). */
export const matchApiRoute = (method: string, rawPath: string, routes: readonly ApiRoute[] = API_ROUTES): MatchedRoute | undefined => {
  const got = segments(rawPath);
  for (const route of routes) {
    if (route.method !== method.toUpperCase()) continue;
    const want = segments(route.path);
    if (want.length !== got.length) continue;
    const params: Record<string, string> = {};
    const fits = want.every((part, i) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1];
      if (name === undefined) return part === got[i];
      params[name] = decode(got[i] ?? '');
      return true;
    });
    if (!fits) continue;
    return { route, routeKey: routeKeyOf(route), ...(Object.keys(params).length > 0 && { pathParameters: params }) };
  }
  return undefined;
};
