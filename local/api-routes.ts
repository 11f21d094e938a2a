// Matching requests to the routes of the HTTP API (contract/api-routes.ts) exactly as API
// Gateway would, so an unknown route never reaches the handler locally either, and the local server
// knows which routes its JWT check guards (and which take IAM, which it cannot check). The matching
// itself is the route table's own.
import { API_ROUTES, type ApiRoute, routeKeyOf, routesOnPath } from '../contract/api-routes';

export interface MatchedRoute {
  route: ApiRoute;
  routeKey: string;
  /** Decoded path parameters; undefined when the route has none (as API Gateway leaves them out). */
  pathParameters?: Record<string, string>;
}

/** The route for a method and raw path, or undefined (API Gateway answers 404 then). */
export const matchApiRoute = (method: string, rawPath: string, routes: readonly ApiRoute[] = API_ROUTES): MatchedRoute | undefined => {
  const match = routesOnPath(routes, rawPath).find((m) => m.route.method === method.toUpperCase());
  if (match === undefined) return undefined;
  const { route, params } = match;
  return { route, routeKey: routeKeyOf(route), ...(Object.keys(params).length > 0 && { pathParameters: params }) };
};
