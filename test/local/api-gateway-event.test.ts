import { Socket } from 'node:net';
import { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { groupsOf } from '../../lambdas/handlers/http/caller';
import { flattenClaims, toApiGatewayEvent } from '../../local/api-gateway-event';
import { matchApiRoute } from '../../local/api-routes';

const requestOf = (method: string, url: string, headers: Record<string, string>): IncomingMessage => {
  const request = new IncomingMessage(new Socket());
  request.method = method;
  request.url = url;
  request.headers = headers;
  return request;
};

describe('API Gateway event of a local request', () => {
  it('is a payload 2.0 event with the route, parameters, lower-cased headers and claims', () => {
    const request = requestOf('POST', '/sessions/abc/extend?x=1&x=2&y=%20z', {
      'content-type': 'application/json',
      cookie: 'a=1; b=2',
      authorization: 'Bearer t',
    });
    const route = matchApiRoute('POST', '/sessions/abc/extend')!;

    const event = toApiGatewayEvent({
      request,
      route,
      requestId: 'req-1',
      body: '{"seconds":60}',
      claims: { sub: 'alice', groups: ['session-admins', 'x'], exp: 123 },
      receivedAt: Date.parse('2030-03-12T19:03:58Z'),
    });

    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /sessions/{id}/extend',
      rawPath: '/sessions/abc/extend',
      rawQueryString: 'x=1&x=2&y=%20z',
      queryStringParameters: { x: '1,2', y: ' z' },
      pathParameters: { id: 'abc' },
      cookies: ['a=1', 'b=2'],
      body: '{"seconds":60}',
      isBase64Encoded: false,
      requestContext: {
        requestId: 'req-1',
        routeKey: 'POST /sessions/{id}/extend',
        stage: '$default',
        time: '12/Mar/2030:19:03:58 +0000',
        http: { method: 'POST', path: '/sessions/abc/extend' },
        authorizer: { jwt: { claims: { sub: 'alice', groups: '[session-admins x]', exp: '123' } } },
      },
    });
    expect(event.headers).toMatchObject({ 'content-type': 'application/json', authorization: 'Bearer t' });
    expect(event.headers['cookie']).toBeUndefined();
  });

  it('leaves out what API Gateway leaves out: body, query, parameters, authorizer', () => {
    const event = toApiGatewayEvent({
      request: requestOf('GET', '/health', {}),
      route: matchApiRoute('GET', '/health')!,
      requestId: 'r',
      body: undefined,
      receivedAt: 0,
    });

    expect(event).not.toHaveProperty('body');
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('pathParameters');
    expect(event.requestContext).not.toHaveProperty('authorizer');
  });

  it('flattens array claims the way the handler reads them on AWS', () => {
    const claims = flattenClaims({ 'cognito:groups': ['a', 'session-admins'] });

    expect(groupsOf(claims)).toEqual(['a', 'session-admins']);
  });
});
