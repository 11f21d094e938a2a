// Matching requests to the routes of the HTTP API (contract/api-routes.ts) exactly as API
// Gateway would, so an unknown route never reaches the handler locally either, and the local server
// knows which routes its JWT check guards.
import { API_ROUTES, type ApiRoute, routeKeyOf } from '../contract/api-routes';

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
