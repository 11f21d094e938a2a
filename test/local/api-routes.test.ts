import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../lambdas/handlers/api';
import { API_ROUTES, routeKeyOf } from '../../contract/api-routes';
import { matchApiRoute } from '../../local/api-routes';

describe('local route table', () => {
  it('has exactly the routes the api handler serves', () => {
    expect(API_ROUTES.map(routeKeyOf).sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('leaves only /health and activity without an authorizer, and only the task route on IAM', () => {
    expect(API_ROUTES.filter((r) => r.authorizer === 'none').map(routeKeyOf)).toEqual(['GET /health', 'POST /sessions/{id}/activity']);
    expect(API_ROUTES.filter((r) => r.authorizer === 'iam').map(routeKeyOf)).toEqual(['POST /sessions/{id}/task-activity']);
  });

  it('matches like API Gateway: method, literal segments, decoded path parameters', () => {
    expect(matchApiRoute('get', '/sessions')).toMatchObject({ routeKey: 'GET /sessions' });
    expect(matchApiRoute('GET', '/sessions')?.pathParameters).toBeUndefined();
    expect(matchApiRoute('POST', '/sessions/a%20b/activity')).toMatchObject({
      routeKey: 'POST /sessions/{id}/activity',
      pathParameters: { id: 'a b' },
    });
    expect(matchApiRoute('DELETE', '/sessions/x/')).toMatchObject({ routeKey: 'DELETE /sessions/{id}' });
    expect(matchApiRoute('PUT', '/sessions/x')).toBeUndefined();
    expect(matchApiRoute('GET', '/sessions/x/extend')).toBeUndefined();
    expect(matchApiRoute('GET', '/')).toBeUndefined();
  });

  it('matches no route for a malformed percent-encoding, as the api handler\'s router does', () => {
    expect(matchApiRoute('GET', '/sessions/%E0%A4%A')).toBeUndefined();
  });
});
