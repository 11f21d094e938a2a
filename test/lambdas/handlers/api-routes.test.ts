// Contract tests of the HTTP API routes (README "HTTP API"): status codes and bodies of the
// primary courses, driven through the real handler with API Gateway v2 events and fake ports.
import { beforeEach, describe, expect, it } from 'vitest';
import { ROUTES } from '../../../lambdas/handlers/api';
import { API_ROUTES, routeKeyOf } from '../../../contract/api-routes';
import { type SweepItem } from '../../../contract/wire';
import { resetDeps } from '../../../lambdas/wiring';
import { OTHER_USER, USER } from '../../support/apigw-events';
import { MINUTE, TEST_PROFILES } from '../../support/fakes';
import { type ApiHarness, adminClaims, makeApiHarness } from './api-harness';

let api: ApiHarness;

beforeEach(async () => {
  api = await makeApiHarness();
});

describe('GET /health', () => {
  it('answers ok without authentication', async () => {
    const answer = await api.call('GET /health', { claims: null });

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'ok' });
  });

  it('answers ok even when the environment is not configured', async () => {
    resetDeps(); // no injected deps and no env vars: building them would fail

    const answer = await api.call('GET /health', { claims: null });

    expect(answer.status).toBe(200);
  });
});

describe('POST /sessions', () => {
  it('creates a session and hands out its activity token once', async () => {
    const answer = await api.call('POST /sessions', {
      body: { profile: 'notebook', idleTimeoutSeconds: 600, metadata: { course: 'ml-101' } },
    });

    expect(answer.status).toBe(201);
    expect(answer.body.activityToken).toMatch(/^[\w-]{32,}$/);
    expect(answer.body.session).toMatchObject({
      ownerId: USER,
      profile: 'notebook',
      status: 'starting',
      metadata: { course: 'ml-101' },
      activityLevel: 'active',
      timeouts: expect.objectContaining({ idleTimeoutSeconds: 600 }) as unknown,
    });
    expect(answer.headers['location']).toBe(`/sessions/${answer.body.session?.id}`);
  });

  it('never shows bookkeeping (version, hashes, task ARN, schedule name)', async () => {
    const answer = await api.call('POST /sessions', { body: { profile: 'notebook' } });

    for (const hidden of ['version', 'activityTokenHash', 'requestHash', 'taskArn', 'scheduleName', 'scheduleSeq']) {
      expect(answer.body.session).not.toHaveProperty(hidden);
    }
    expect(answer.text).not.toContain('arn:aws');
  });

  it('replays an Idempotency-Key with the same body as 200 with the same session and no token', async () => {
    const first = await api.call('POST /sessions', { body: { profile: 'notebook' }, headers: { 'Idempotency-Key': 'key-1' } });

    const again = await api.call('POST /sessions', { body: { profile: 'notebook' }, headers: { 'Idempotency-Key': 'key-1' } });

    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.session?.id).toBe(first.body.session?.id);
    expect(again.body).not.toHaveProperty('activityToken');
    expect(api.deps.tasks.startCalls).toHaveLength(1);
  });

  it('answers 409 when an Idempotency-Key is reused with another body', async () => {
    await api.call('POST /sessions', { body: { profile: 'notebook' }, headers: { 'idempotency-key': 'key-2' } });

    const answer = await api.call('POST /sessions', { body: { profile: 'lab' }, headers: { 'idempotency-key': 'key-2' } });

    expect(answer.status).toBe(409);
    expect(answer.body.error?.code).toBe('conflict');
  });

  it('rejects an Idempotency-Key that is too long or not printable', async () => {
    const tooLong = await api.call('POST /sessions', { body: { profile: 'notebook' }, headers: { 'idempotency-key': 'k'.repeat(129) } });
    const withSpace = await api.call('POST /sessions', { body: { profile: 'notebook' }, headers: { 'idempotency-key': 'a b' } });

    for (const answer of [tooLong, withSpace]) {
      expect(answer.status).toBe(400);
      expect(answer.body.error?.message).toMatch(/^Idempotency-Key: /);
    }
  });
});

describe('GET /sessions', () => {
  it("lists only the caller's own sessions, newest first", async () => {
    const mine = await api.createSession(USER);
    api.deps.clock.advance(MINUTE);
    const newer = await api.createSession(USER);
    await api.createSession(OTHER_USER);

    const answer = await api.call('GET /sessions');

    expect(answer.status).toBe(200);
    expect(answer.body.sessions?.map((s) => s.id)).toEqual([newer.id, mine.id]);
    expect(answer.body).not.toHaveProperty('nextToken');
  });

  it('pages with limit and nextToken', async () => {
    for (let i = 0; i < 3; i++) {
      await api.createSession();
      api.deps.clock.advance(MINUTE);
    }

    const first = await api.call('GET /sessions', { query: { limit: '2' } });
    const second = await api.call('GET /sessions', { query: { limit: '2', nextToken: String(first.body.nextToken) } });

    expect(first.body.sessions).toHaveLength(2);
    expect(second.body.sessions).toHaveLength(1);
    expect(second.body).not.toHaveProperty('nextToken');
  });

  it('filters by status', async () => {
    const ended = await api.createSession();
    await api.call('DELETE /sessions/{id}', { params: { id: ended.id } });
    const s = api.deps.store.peek(ended.id);
    api.deps.store.seed({ ...s, status: 'stopped', endedAt: s.stopRequestedAt });
    const live = await api.createSession();

    const liveOnly = await api.call('GET /sessions', { query: { status: 'live' } });
    const endedOnly = await api.call('GET /sessions', { query: { status: 'ended' } });

    expect(liveOnly.body.sessions?.map((x) => x.id)).toEqual([live.id]);
    expect(endedOnly.body.sessions?.map((x) => x.id)).toEqual([ended.id]);
  });
});

describe('GET /sessions/{id}', () => {
  it('shows the owner their session', async () => {
    const { id } = await api.createSession();

    const answer = await api.call('GET /sessions/{id}', { params: { id } });

    expect(answer.status).toBe(200);
    expect(answer.body.session?.id).toBe(id);
  });

  it("shows an admin anyone's session", async () => {
    const { id } = await api.createSession(USER);

    const answer = await api.call('GET /sessions/{id}', { params: { id }, claims: adminClaims() });

    expect(answer.status).toBe(200);
    expect(answer.body.session?.ownerId).toBe(USER);
  });
});

describe('the expiry warning in answers', () => {
  // The lab profile warns 5 min ahead; its default idle timeout is 30 min, so the idle deadline of a
  // session left alone is 30 min after create and the warning window opens at 25 min.
  const createLab = async (): Promise<{ id: string; activityToken: string; createdMs: number }> => {
    const createdMs = api.deps.clock.now();
    const answer = await api.call('POST /sessions', { body: { profile: 'lab' } });
    return { id: String(answer.body.session?.id), activityToken: String(answer.body.activityToken), createdMs };
  };

  it('is absent from GET /sessions/{id} before the window and present inside it, with the way to snooze', async () => {
    const { id, createdMs } = await createLab();

    api.deps.clock.set(createdMs + 25 * MINUTE - 1);
    const before = await api.call('GET /sessions/{id}', { params: { id } });
    api.deps.clock.set(createdMs + 25 * MINUTE);
    const inside = await api.call('GET /sessions/{id}', { params: { id } });

    expect(before.body.session).not.toHaveProperty('warning');
    expect(inside.body.session?.warning).toEqual({
      at: new Date(createdMs + 30 * MINUTE).toISOString(),
      reason: 'idle_timeout',
      secondsLeft: 300,
      extendRoute: `POST /sessions/${id}/extend`,
    });
  });

  it('is in an activity answer inside the window, and gone once an interaction puts the deadline off', async () => {
    const { id, activityToken, createdMs } = await createLab();
    const report = (kind: string) =>
      api.call('POST /sessions/{id}/activity', { params: { id }, claims: null, headers: { 'X-Session-Token': activityToken }, body: { kind } });

    api.deps.clock.set(createdMs + 20 * MINUTE);
    const early = await report('ping');
    api.deps.clock.set(createdMs + 26 * MINUTE + 500);
    const pinged = await report('ping');
    const interacted = await report('interaction');

    expect(early.body.session).not.toHaveProperty('warning');
    expect(pinged.body.session?.warning).toMatchObject({ reason: 'idle_timeout', secondsLeft: 239 });
    expect(interacted.body.session).not.toHaveProperty('warning');
    expect(interacted.body.session?.expiresAt).toBe(new Date(createdMs + 56 * MINUTE + 500).toISOString());
  });
});

describe('POST /sessions/{id}/activity', () => {
  it('accepts the session itself with its X-Session-Token', async () => {
    const { id, activityToken } = await api.createSession();
    api.deps.clock.advance(5 * MINUTE);

    const answer = await api.call('POST /sessions/{id}/activity', {
      params: { id },
      claims: null,
      headers: { 'X-Session-Token': activityToken },
      body: { kind: 'interaction' },
    });

    expect(answer.status).toBe(200);
    expect(answer.body.session?.lastActivityAt).toBe(new Date(api.deps.clock.now()).toISOString());
    // The notebook profile's idle timeout is 30 min: the next interaction matters after a 90 s window.
    expect(answer.body.nextReportInSeconds).toBe(90);
  });

  it('accepts the owner with a Bearer JWT verified by the handler', async () => {
    const { id } = await api.createSession();
    const jwt = await api.token(USER);

    const answer = await api.call('POST /sessions/{id}/activity', {
      params: { id },
      claims: null,
      headers: { authorization: `Bearer ${jwt}` },
      body: { kind: 'connect', connectionId: 'tab-1' },
    });

    expect(answer.status).toBe(200);
    expect(answer.body.session?.connections).toBe(1);
    expect(answer.body.nextReportInSeconds).toBeGreaterThanOrEqual(1);
  });

  it("counts open connection ids: a retried disconnect of one tab leaves the other's open", async () => {
    const { id, activityToken } = await api.createSession();
    const report = (body: Record<string, string>) =>
      api.call('POST /sessions/{id}/activity', { params: { id }, claims: null, headers: { 'x-session-token': activityToken }, body });

    await report({ kind: 'connect', connectionId: 'tab-a' });
    await report({ kind: 'connect', connectionId: 'tab-b' });
    await report({ kind: 'disconnect', connectionId: 'tab-a' });
    const retried = await report({ kind: 'disconnect', connectionId: 'tab-a' });

    expect(retried.status).toBe(200);
    expect(retried.body.session?.connections).toBe(1);
    expect(retried.body.session?.activityLevel).not.toBe('disconnected');
    expect(retried.body.session).not.toHaveProperty('disconnectedAt');
    expect(retried.text).not.toContain('tab-b');
  });
});

describe('POST /sessions/{id}/activity with a busy policy', () => {
  const BUSY = { cpuPercent: 50, windowSeconds: 60, maxSeconds: 3600, unknownGraceSeconds: 300 };

  it("takes the agent's busy report with its usage reading and keeps the session alive", async () => {
    const busyApi = await makeApiHarness({ profiles: { ...TEST_PROFILES, notebook: { ...TEST_PROFILES['notebook'], busy: BUSY } } });
    const { id, activityToken } = await busyApi.createSession();
    const report = (body: Record<string, unknown>) =>
      busyApi.call('POST /sessions/{id}/activity', { params: { id }, claims: null, headers: { 'X-Session-Token': activityToken }, body });
    await report({ kind: 'connect', connectionId: 'agent', usage: { memoryPercent: 12 } });
    busyApi.deps.clock.advance(20 * MINUTE);

    const answer = await report({ kind: 'busy', connectionId: 'agent', usage: { memoryPercent: 97, diskPercent: 10 } });

    const now = busyApi.deps.clock.now();
    expect(answer.status).toBe(200);
    expect(answer.body.session).toMatchObject({
      activityLevel: 'busy',
      busySince: new Date(now).toISOString(),
      expiresAt: new Date(now + 30 * MINUTE).toISOString(),
    });
    expect(answer.body.nextReportInSeconds).toBe(90);
  });

  it('takes a busy report for a ping where the profile has none', async () => {
    const { id, activityToken } = await api.createSession();
    api.deps.clock.advance(20 * MINUTE);

    const answer = await api.call('POST /sessions/{id}/activity', {
      params: { id },
      claims: null,
      headers: { 'X-Session-Token': activityToken },
      body: { kind: 'busy' },
    });

    expect(answer.status).toBe(200);
    expect(answer.body.session).not.toHaveProperty('lastBusyAt');
    expect(answer.body.session?.activityLevel).toBe('background');
  });
});

describe('POST /sessions/{id}/extend', () => {
  it('extends, clamped to the hard cap', async () => {
    const { id } = await api.createSession();

    const answer = await api.call('POST /sessions/{id}/extend', { params: { id }, body: { seconds: 7 * 24 * 3600 } });

    expect(answer.status).toBe(200);
    expect(answer.body.session?.extendedUntil).toBe(answer.body.session?.maxExpiresAt);
    expect(answer.body.session?.expiresAt).toBe(answer.body.session?.maxExpiresAt);
  });
});

describe('DELETE /sessions/{id}', () => {
  it('answers 202 when it starts the stop, then 200 with the ended session', async () => {
    const { id } = await api.createSession();

    const first = await api.call('DELETE /sessions/{id}', { params: { id } });
    const again = await api.call('DELETE /sessions/{id}', { params: { id } });

    expect(first.status).toBe(202);
    expect(first.body.session).toMatchObject({ status: 'stopping', endReason: 'user_request' });
    expect(again.status).toBe(200);
    expect(again.body.session?.status).toBe('stopping');
    expect(api.deps.tasks.stopCalls).toHaveLength(1);
  });

  it("lets an admin stop anyone's session", async () => {
    const { id } = await api.createSession(USER);

    const answer = await api.call('DELETE /sessions/{id}', { params: { id }, claims: adminClaims() });

    expect(answer.status).toBe(202);
    expect(answer.body.session?.endReason).toBe('admin_request');
  });
});

describe('admin routes', () => {
  it('GET /stats counts sessions for an admin', async () => {
    await api.createSession();
    await api.createSession(OTHER_USER);

    const answer = await api.call('GET /stats', { claims: adminClaims() });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ live: 2, overdue: 0, byStatus: expect.objectContaining({ starting: 2 }) as unknown });
  });

  it('POST /sweep runs a dry run for an admin and reports without changing anything', async () => {
    const { id } = await api.createSession();
    api.deps.clock.advance(24 * 60 * MINUTE); // far past every deadline

    const answer = await api.call('POST /sweep', { claims: adminClaims(), body: { dryRun: true } });

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ dryRun: true, orphans: [], lost: [], failures: [] });
    const reported = [...(answer.body['expired'] as SweepItem[]), ...(answer.body['stuck'] as SweepItem[])];
    expect(reported.map((item) => item.sessionId)).toContain(id);
    expect(api.deps.store.peek(id).status).toBe('starting');
  });

  it('POST /sweep without a body is a real sweep', async () => {
    const answer = await api.call('POST /sweep', { claims: adminClaims() });

    expect(answer.status).toBe(200);
    expect(answer.body.dryRun).toBe(false);
  });

  it.each([
    ['an array in cognito:groups', { 'cognito:groups': ['users', 'session-admins'] }],
    ['a flattened "[a b]" string', { 'cognito:groups': '[users session-admins]' }],
    ['a comma list', { 'cognito:groups': 'users,session-admins' }],
    ['the groups claim', { groups: ['session-admins'] }],
  ])('recognises admins by %s', async (_, groups) => {
    const answer = await api.call('GET /stats', { claims: { sub: 'admin-1', ...groups } });

    expect(answer.status).toBe(200);
  });

  it('answers 404 to non-admins, with the body of an unknown route, so the routes cannot be discovered', async () => {
    const stats = await api.call('GET /stats');
    const sweep = await api.call('POST /sweep', { body: { dryRun: true } });
    const unknown = await api.call('GET /nothing-here');

    expect(stats.status).toBe(404);
    expect(sweep.status).toBe(404);
    expect(stats.text).toBe(unknown.text);
    expect(sweep.text).toBe(unknown.text);
  });
});

describe('routing', () => {
  it('binds a handler to every route of the contract that API Gateway and the local server route to it', () => {
    expect(ROUTES.map((r) => `${r.method} ${r.path}`)).toEqual(API_ROUTES.map(routeKeyOf));
    expect(ROUTES.every((r) => typeof r.handle === 'function')).toBe(true);
  });

  it('falls back to method and path when the route key is $default', async () => {
    const { id } = await api.createSession();

    const answer = await api.call('GET /sessions/{id}', { params: { id }, routeKey: '$default' });

    expect(answer.status).toBe(200);
    expect(answer.body.session?.id).toBe(id);
  });

  it('answers 405 with Allow for a known path and another method', async () => {
    const answer = await api.call('PUT /sessions', { routeKey: '$default', body: {} });

    expect(answer.status).toBe(405);
    expect(answer.headers['allow']).toBe('POST, GET');
  });
});
