// Picks the route of a request: by `routeKey` as API Gateway (and the local server) set it, else by
// method and path, so a `$default` route or a hand-built event still reaches the right code. Paths
// are matched by the one matcher of the route table (contract/api-routes.ts).
import { type ApiMethod, type PathMatch, matchPath, routeKeyOf, routesOnPath } from '../../../contract/api-routes';
import { type ApiEvent } from './api-event';
import { MethodNotAllowedError } from './http-errors';
import { NotFoundError } from '../../domain/errors';

export type HttpMethod = ApiMethod;

export interface Route<H> {
  method: HttpMethod;
  /** API Gateway syntax: `/sessions/{id}`. */
  path: string;
  handle: H;
}

export type RouteMatch<H> = PathMatch<Route<H>>;

export const matchRoute = <H>(routes: readonly Route<H>[], event: ApiEvent): RouteMatch<H> => {
  const byKey = routes.find((r) => routeKeyOf(r) === event.routeKey);
  if (byKey !== undefined) {
    const params = event.pathParameters ?? matchPath(byKey.path, event.rawPath) ?? {};
    return { route: byKey, params: Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)) };
  }
  const method = (event.requestContext?.http?.method ?? '').toUpperCase();
  const path = event.rawPath ?? event.requestContext?.http?.path ?? '';
  const onPath = routesOnPath(routes, path);
  const match = onPath.find((m) => m.route.method === method);
  if (match !== undefined) return match;
  if (onPath.length > 0) throw new MethodNotAllowedError(onPath.map((m) => m.route.method));
  throw new NotFoundError();
};
