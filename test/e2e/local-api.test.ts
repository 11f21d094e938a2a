// End to end: the local server behaves like API Gateway in front of the api Lambda: the JWT
// authorizer on every route but /health and activity, the task route's IAM refusal (nothing signs
// locally), the route table, and request ids.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLocalKeys, mintLocalToken } from '../../local/adapters/local-keys';
import { type SessionView } from '../../contract/wire';
import { SLEEPER_PROFILE, type TestStack, bootLocalStack } from '../support/local-stack';
import { waitFor } from '../support/wait-for';

type SessionAnswer = { session: SessionView; activityToken: string };

let env: TestStack;

beforeAll(async () => {
  env = await bootLocalStack();
});

afterAll(async () => {
  await env?.cleanup();
});

describe('local API', () => {
  it('answers /health without a token', async () => {
    const health = await env.api('GET', '/health', { token: null });

    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(health.headers.get('x-request-id')).toBeTruthy();
  });

  it.each([
    ['no token', null],
    ['a malformed token', 'not-a-jwt'],
  ])('refuses a protected route with %s, before the handler', async (_, token) => {
    const answer = await env.api('GET', '/sessions', { token });

    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) as unknown } });
  });

  it('refuses a token signed by another key', async () => {
    // Another data dir has its own key pair (one stack per process: the handlers' deps are global).
    const otherDir = mkdtempSync(join(tmpdir(), 'other-keys-'));
    try {
      const foreign = await mintLocalToken(await loadLocalKeys(otherDir), { user: 'alice' });

      expect((await env.api('GET', '/sessions', { token: foreign })).status).toBe(401);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('answers 404 for a route API Gateway does not have', async () => {
    expect((await env.api('GET', '/nope')).status).toBe(404);
    expect((await env.api('PUT', '/sessions')).status).toBe(404);
  });

  it('lets a session report activity with its own token and nothing else', async () => {
    const created = await env.api<SessionAnswer>('POST', '/sessions', { body: { profile: SLEEPER_PROFILE } });
    const { session, activityToken } = created.body;
    await waitFor(async () => (await env.api<SessionAnswer>('GET', `/sessions/${session.id}`)).body.session.status === 'running', {
      timeoutMs: 10_000,
      what: 'running',
    });
    const path = `/sessions/${session.id}/activity`;
    // The session agent the task runs under connects as the agent: it is never one of the connections.
    await waitFor(async () => (await env.api<SessionAnswer>('GET', `/sessions/${session.id}`)).body.session.agentConnected, {
      timeoutMs: 5000,
      what: 'the session agent to connect',
    });

    const withToken = await env.api<SessionAnswer & { nextReportInSeconds: number }>('POST', path, {
      token: null,
      headers: { 'x-session-token': activityToken },
      body: { kind: 'connect', connectionId: 'e2e-tab' },
    });
    const anonymous = await env.api('POST', path, { token: null, body: { kind: 'ping' } });
    const wrongToken = await env.api('POST', path, { token: null, headers: { 'x-session-token': 'x'.repeat(43) }, body: { kind: 'ping' } });
    const otherUser = await env.api('POST', path, { token: await env.token('mallory'), body: { kind: 'ping' } });

    expect(withToken.status).toBe(200);
    expect(withToken.body.session).toMatchObject({ connections: 1, agentConnected: true });
    expect(withToken.body.nextReportInSeconds).toBeGreaterThanOrEqual(1);
    expect(anonymous.status).toBe(401);
    expect(wrongToken.status).toBe(404);
    expect(otherUser.status).toBe(404);
  });

  it('refuses the task route, which takes SigV4-signed requests from ECS tasks, as API Gateway refuses an unsigned one', async () => {
    const created = await env.api<SessionAnswer>('POST', '/sessions', { body: { profile: SLEEPER_PROFILE } });
    const path = `/sessions/${created.body.session.id}/task-activity`;

    const withToken = await env.api('POST', path, { token: null, headers: { 'x-session-token': created.body.activityToken }, body: { kind: 'ping' } });
    const withJwt = await env.api('POST', path, { body: { kind: 'ping' } });

    expect(withToken.status).toBe(403);
    expect(withJwt.status).toBe(403);
    expect(withToken.body).toEqual({ error: { code: 'forbidden', message: expect.stringContaining('X-Session-Token') as unknown } });
  });

  it('shows admins what users cannot see', async () => {
    const asUser = await env.api('GET', '/stats');
    const asAdmin = await env.api<{ live: number }>('GET', '/stats', { token: await env.token('ops', { admin: true }) });

    expect(asUser.status).toBe(404);
    expect(asAdmin.status).toBe(200);
    expect(typeof asAdmin.body.live).toBe('number');
  });
});
