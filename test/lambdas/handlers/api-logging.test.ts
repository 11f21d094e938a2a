// What the api handler logs: one line per request with method, route, status, latency and request
// id; never the Authorization header, the X-Session-Token or an activity token, not even inside
// a logged error.
import { beforeEach, describe, expect, it } from 'vitest';
import { metricsPort } from '../../../lambdas/adapters/observability/lambda-observability';
import { apiSetup } from '../../../lambdas/roots/api-root';
import { setDeps } from '../../../lambdas/wiring';
import { type ApiHarness, makeApiHarness } from './api-harness';
import { logLines } from '../../support/captured-output';

let api: ApiHarness;

beforeEach(async () => {
  api = await makeApiHarness();
});

describe('api logging', () => {
  it('logs one access line per request with method, route, status, latency and request id', async () => {
    await api.call('GET /sessions', { requestId: 'req-list-1' });

    const access = logLines(api.output).filter((l) => l['message'] === 'request');
    expect(access).toEqual([
      expect.objectContaining({
        method: 'GET',
        routeKey: 'GET /sessions',
        status: 200,
        requestId: 'req-list-1',
        latencyMs: expect.any(Number) as unknown,
      }),
    ]);
  });

  it('never logs the JWT, the session token or the activity token', async () => {
    const jwt = await api.token();
    const { id, activityToken } = await api.createSession(); // its 201 body carries the token
    const bearer = { authorization: `Bearer ${jwt}` };
    const both = { ...bearer, 'x-session-token': activityToken };

    await api.call('POST /sessions/{id}/activity', { params: { id }, claims: null, headers: both, body: { kind: 'interaction' } });
    await api.call('POST /sessions/{id}/activity', { params: { id }, claims: null, headers: bearer, body: { kind: 'ping' } });
    await api.call('POST /sessions/{id}/activity', { params: { id }, claims: null, headers: both, body: '{broken' });
    // An unexpected error whose message carries both credentials is logged, scrubbed.
    api.deps.store.failures.failNext('get', new Error(`driver failed for ${jwt} / ${activityToken}`));
    const failed = await api.call('POST /sessions/{id}/activity', { params: { id }, claims: null, headers: both, body: { kind: 'ping' } });

    expect(failed.status).toBe(500);
    const text = api.output.join('');
    expect(text).toContain('unexpected error');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain(jwt);
    expect(text).not.toContain(jwt.split('.')[2]); // not even the signature alone
    expect(text).not.toContain(activityToken);
  });

  it('logs an unexpected error with its details, which the response does not carry', async () => {
    const { id } = await api.createSession();
    api.deps.store.failures.failNext('get', new Error('socket hang up at arn:aws:dynamodb:eu-west-1:123456789012:table/x'));

    const answer = await api.call('GET /sessions/{id}', { params: { id }, requestId: 'req-boom' });

    const errors = logLines(api.output).filter((l) => l['message'] === 'unexpected error');
    expect(errors).toEqual([
      expect.objectContaining({
        requestId: 'req-boom',
        error: expect.objectContaining({ message: expect.stringContaining('socket hang up') as unknown }) as unknown,
      }),
    ]);
    expect(answer.text).not.toContain('socket hang up');
  });

  it('flushes the metrics as one EMF line at the end of the request', async () => {
    setDeps({ ...apiSetup.deps(), metrics: metricsPort });

    await api.call('POST /sessions', { body: { profile: 'notebook' } });

    const emf = logLines(api.output).filter((l) => '_aws' in l);
    expect(emf).toEqual([expect.objectContaining({ SessionsCreated: 1 })]);
  });
});
