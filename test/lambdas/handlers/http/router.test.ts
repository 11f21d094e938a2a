// Route matching: by routeKey as API Gateway sets it, else by method and path.
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../../lambdas/domain/errors';
import { MethodNotAllowedError } from '../../../../lambdas/handlers/http/http-errors';
import { type Route, matchRoute } from '../../../../lambdas/handlers/http/router';
import { apiEvent } from '../../../support/apigw-events';

const routes: Route<string>[] = [
  { method: 'GET', path: '/sessions', handle: 'list' },
  { method: 'GET', path: '/sessions/{id}', handle: 'show' },
  { method: 'POST', path: '/sessions/{id}/activity', handle: 'activity' },
  { method: 'DELETE', path: '/sessions/{id}', handle: 'end' },
];

describe('matchRoute', () => {
  it('uses the routeKey and the path parameters API Gateway set', () => {
    const match = matchRoute(routes, apiEvent('POST /sessions/{id}/activity', { params: { id: 'abc' } }));

    expect(match.route.handle).toBe('activity');
    expect(match.params).toEqual({ id: 'abc' });
  });

  it('falls back to method and path, decoding parameters and ignoring a trailing slash', () => {
    const event = apiEvent('DELETE /sessions/{id}', { params: { id: 'a b' }, routeKey: '$default' });
    event.rawPath = `${event.rawPath}/`;

    const match = matchRoute(routes, event);

    expect(match.route.handle).toBe('end');
    expect(match.params).toEqual({ id: 'a b' });
  });

  it('says which methods a known path allows', () => {
    expect(() => matchRoute(routes, apiEvent('PATCH /sessions/{id}', { params: { id: 'x' }, routeKey: '$default' }))).toThrow(
      MethodNotAllowedError,
    );
  });

  it('does not match an unknown path or a malformed percent-encoding', () => {
    expect(() => matchRoute(routes, apiEvent('GET /nothing', { routeKey: '$default' }))).toThrow(NotFoundError);
    const bad = apiEvent('GET /sessions/{id}', { params: { id: 'x' }, routeKey: '$default' });
    bad.rawPath = '/sessions/%E0%A4%A';
    expect(() => matchRoute(routes, bad)).toThrow(NotFoundError);
  });
});
