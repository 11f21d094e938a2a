// Picks the route of a request: by `routeKey` as API Gateway (and the local server) set it, else by
// method and path, so a `$default` route or a hand-built event still reaches the right code.
import { type ApiEvent } from './api-event';
import { MethodNotAllowedError } from './http-errors';
import { NotFoundError } from '../../domain/errors';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface Route<H> {
  method: HttpMethod;
  /** API Gateway syntax: `/sessions/{id}`. */
  path: string;
  handle: H;
}

export interface RouteMatch<H> {
  route: Route<H>;
  params: Record<string, string>;
}

const segmentsOf = (path: string): string[] => path.split('/').filter((s) => s.length > 0);

/** Path parameters if `path` fits `pattern`, else undefined. */
const matchPath = (pattern: string, path: string): Record<string, string> | undefined => {
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
      return undefined; // malformed percent-encoding: no route has such an id
    }
  }
  return params;
};

export const routeKeyOf = (route: Route<unknown>): string => `${route.method} ${route.path}`;

export const matchRoute = <H>(routes: readonly Route<H>[], event: ApiEvent): RouteMatch<H> => {
  const byKey = routes.find((r) => routeKeyOf(r) === event.routeKey);
  if (byKey !== undefined) {
    const params = event.pathParameters ?? matchPath(byKey.path, event.rawPath) ?? {};
    return { route: byKey, params: Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)) };
  }
  const method = (event.requestContext?.http?.method ?? '').toUpperCase();
  const path = event.rawPath ?? event.requestContext?.http?.path ?? '';
  const onPath = routes.flatMap((route) => {
    const params = matchPath(route.path, path);
    return params === undefined ? [] : [{ route, params }];
  });
  const match = onPath.find((m) => m.route.method === method);
  if (match !== undefined) return match;
  if (onPath.length > 0) throw new MethodNotAllowedError(onPath.map((m) => m.route.method));
  throw new NotFoundError();
};
