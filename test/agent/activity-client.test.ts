// Both ways the agent reports, against a fake API on 127.0.0.1: the token on the activity route
// (local stack), and SigV4 with container credentials on the task route (AWS), the credentials
// served by a fake container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI, loopback).
import { createServer } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpActivityClient } from '../../agent/activity-client';
import { cachedCredentials, containerCredentials, sigv4Signer } from '../../agent/sigv4-signer';
import { type FakeApi, closedPortUrl, sessionView, startFakeApi } from '../cli/fake-api';
import { type Listening, listenOnFreePort } from '../support/listen';
import { SESSION_ID } from '../support/session-fixture';

let api: FakeApi | undefined;
let credentialsEndpoint: Listening | undefined;

afterEach(async () => {
  vi.unstubAllEnvs();
  await api?.close();
  await credentialsEndpoint?.close();
  api = undefined;
  credentialsEndpoint = undefined;
});

const ok = () => ({ status: 200, body: { session: sessionView(), nextReportInSeconds: 5 } });

describe('the activity client', () => {
  it('reports with X-Session-Token on the activity route when it has the token', async () => {
    api = await startFakeApi(ok);
    const client = new HttpActivityClient({ apiUrl: `${api.url}/`, sessionId: SESSION_ID, activityToken: 'tok' });

    const outcome = await client.send({ kind: 'busy', connectionId: 'agent-1', usage: { memoryPercent: 10 } }, 2000);

    expect(outcome).toMatchObject({ ok: true, answer: { nextReportInSeconds: 5 } });
    expect(api.requests[0]).toMatchObject({
      method: 'POST',
      path: `/sessions/${SESSION_ID}/activity`,
      headers: { 'x-session-token': 'tok' },
      body: { kind: 'busy', connectionId: 'agent-1', usage: { memoryPercent: 10 } },
    });
  });

  it('signs with the task role on the task route: SigV4 for execute-api with the container credentials', async () => {
    const fetched: string[] = [];
    credentialsEndpoint = await listenOnFreePort(
      createServer((req, res) => {
        fetched.push(`${req.url} ${req.headers.authorization ?? '-'}`);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ AccessKeyId: 'ASIAFAKE', SecretAccessKey: 'secret', Token: 'session-token', Expiration: new Date(Date.now() + 3_600_000).toISOString() }));
      }),
    );
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', '');
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', `${credentialsEndpoint.url}/creds`);
    vi.stubEnv('AWS_CONTAINER_AUTHORIZATION_TOKEN', 'pod-token');
    api = await startFakeApi(ok);
    const client = new HttpActivityClient({ apiUrl: api.url, sessionId: SESSION_ID, signer: sigv4Signer('eu-central-1', containerCredentials()) });

    await client.send({ kind: 'connect', connectionId: 'agent-1' }, 2000);
    await client.send({ kind: 'ping', connectionId: 'agent-1' }, 2000);

    const [first] = api.requests;
    expect(first?.path).toBe(`/sessions/${SESSION_ID}/task-activity`);
    expect(first?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIAFAKE\/\d{8}\/eu-central-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/);
    expect(first?.headers['x-amz-security-token']).toBe('session-token');
    expect(first?.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
    // Fetched once, with the container authorization token, and cached for the second report.
    expect(fetched).toEqual(['/creds pod-token']);
  });

  it('fetches credentials again shortly before the cached ones expire', async () => {
    let now = 0;
    const provider = vi.fn(() => Promise.resolve({ accessKeyId: 'a', secretAccessKey: 's', expiration: new Date(10 * 60_000) }));
    const cached = cachedCredentials(provider, () => now);

    await cached();
    now = 4 * 60_000;
    await cached();
    now = 6 * 60_000;
    await cached();

    expect(provider).toHaveBeenCalledTimes(2);
  });

  it('never throws: an error answer gives its code, a refused connection its reason', async () => {
    api = await startFakeApi(() => ({ status: 409, body: { error: { code: 'conflict', message: 'ended' } } }));

    expect(await new HttpActivityClient({ apiUrl: api.url, sessionId: SESSION_ID, activityToken: 't' }).send({ kind: 'ping', connectionId: 'a' }, 2000)).toEqual({
      ok: false,
      status: 409,
      reason: 'conflict',
    });
    expect(await new HttpActivityClient({ apiUrl: await closedPortUrl(), sessionId: SESSION_ID, activityToken: 't' }).send({ kind: 'ping', connectionId: 'a' }, 2000)).toEqual({
      ok: false,
      reason: 'ECONNREFUSED',
    });
  });
});
