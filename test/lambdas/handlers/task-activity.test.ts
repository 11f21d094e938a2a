// How a session's task is let in on AWS (README "How a task authenticates"): API Gateway verifies
// the SigV4 signature on POST /sessions/{id}/task-activity and hands the signer to the function as
// `requestContext.authorizer.iam`; only the session's own task, running as its profile's task role,
// may report for it. And neither activity route does any work for a request with no credential.
import { beforeEach, describe, expect, it } from 'vitest';
import { type IamCaller } from '../../../lambdas/handlers/http/api-event';
import { MINUTE, TEST_PROFILES } from '../../support/fakes';
import { type ApiHarness, makeApiHarness } from './api-harness';
import { ACCOUNT, TASK_ROLE, signedBy, taskSigner } from './task-signer';

const BUSY = { cpuPercent: 50, windowSeconds: 60, unknownGraceSeconds: 300 };
const PROFILES = { ...TEST_PROFILES, notebook: { ...TEST_PROFILES['notebook'], taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/${TASK_ROLE}`, busy: BUSY } };
const MISSING_ID = '00000000-0000-4000-8000-000000000000';

describe('POST /sessions/{id}/task-activity', () => {
  let api: ApiHarness;
  let id: string;
  let taskArn: string;

  beforeEach(async () => {
    api = await makeApiHarness({ profiles: PROFILES });
    ({ id } = await api.createSession());
    taskArn = String(api.deps.store.peek(id)?.taskArn);
  });

  const report = (iam: IamCaller | undefined, sessionId = id) =>
    api.call('POST /sessions/{id}/task-activity', { params: { id: sessionId }, claims: null, ...(iam !== undefined && { iam }), body: { kind: 'connect', connectionId: 'agent-1' } });

  it("accepts the session's own task, signed with its profile's task role", async () => {
    const answer = await report(taskSigner(taskArn));

    expect(answer.status).toBe(200);
    expect(answer.body.session).toMatchObject({ id, connections: 1 });
    expect(Object.keys(api.deps.store.peek(id)?.openConnections ?? {})).toEqual(['agent-1']);
  });

  it("takes the task's busy report with its usage reading: the idle deadline moves and the session shows busy", async () => {
    api.deps.clock.advance(10 * MINUTE);

    const answer = await api.call('POST /sessions/{id}/task-activity', {
      params: { id },
      claims: null,
      iam: taskSigner(taskArn),
      body: { kind: 'busy', usage: { memoryPercent: 41.5, diskPercent: 3 } },
    });

    const now = api.deps.clock.now();
    expect(answer.status).toBe(200);
    expect(answer.body.session).toMatchObject({
      id,
      activityLevel: 'busy',
      lastBusyAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 30 * MINUTE).toISOString(),
      timeouts: { busy: BUSY },
    });
    expect(answer.body.nextReportInSeconds).toBe(90);
  });

  it("answers another session's task like a missing session, and changes nothing", async () => {
    const other = await api.createSession();
    const othersTask = String(api.deps.store.peek(other.id)?.taskArn);
    const before = api.deps.store.peek(id);

    const wrong = await report(taskSigner(othersTask));
    const missing = await report(taskSigner(othersTask), MISSING_ID);

    expect(wrong.status).toBe(404);
    expect(wrong.text).toBe(missing.text);
    expect(api.deps.store.peek(id)).toEqual(before);
  });

  it.each([
    ['another role that chose the task id as its session name', () => taskSigner(taskArn, 'admin-sandbox')],
    ['the task role of another account', () => taskSigner(taskArn, TASK_ROLE, '210987654321')],
    ['an IAM user', () => signedBy(`arn:aws:iam::${ACCOUNT}:user/alice`)],
  ])('answers %s with 404', async (_, signer) => {
    const answer = await report(signer());

    expect(answer.status).toBe(404);
    expect(api.deps.store.peek(id)?.openConnections).toEqual({});
  });

  it('answers 404 while the session records no task ARN yet, so the task is let in at a later report', async () => {
    const { taskArn: _recorded, ...withoutTask } = api.deps.store.peek(id);
    api.deps.store.seed(withoutTask);

    const early = await report(taskSigner(taskArn));
    api.deps.store.seed({ ...withoutTask, taskArn });
    const later = await report(taskSigner(taskArn));

    expect([early.status, later.status]).toEqual([404, 200]);
  });

  it('never matches a profile whose task role the functions were not told (a configured task definition without taskRoleArn)', async () => {
    const unknownRole = await makeApiHarness();
    const created = await unknownRole.createSession();
    const itsTask = String(unknownRole.deps.store.peek(created.id)?.taskArn);

    const refused = await unknownRole.call('POST /sessions/{id}/task-activity', {
      params: { id: created.id },
      claims: null,
      iam: taskSigner(itsTask),
      body: { kind: 'ping' },
    });

    expect(refused.status).toBe(404);
  });

  it('answers 401 without a signer (API Gateway never lets one through; the function does not rely on it)', async () => {
    const answer = await report(undefined);

    expect(answer.status).toBe(401);
  });
});

describe('the activity routes before any work', () => {
  let api: ApiHarness;
  let id: string;

  beforeEach(async () => {
    api = await makeApiHarness({ profiles: PROFILES });
    ({ id } = await api.createSession());
    // Any read of the table from here on fails loudly.
    api.deps.store.failures.failWhen('get', () => new Error('the activity request read the table'));
  });

  it('refuses a request with no credential at all with 401, without reading the table', async () => {
    const answer = await api.call('POST /sessions/{id}/activity', { params: { id }, claims: null, body: { kind: 'ping' } });

    expect(answer.status).toBe(401);
    expect(answer.body.error?.code).toBe('unauthorized');
  });

  it.each([
    ['too short', 'abc'],
    ['too long', 'a'.repeat(44)],
    ['not base64url', `${'a'.repeat(42)}!`],
  ])('answers an X-Session-Token that is %s like a wrong one (404), without reading the table', async (_, token) => {
    const answer = await api.call('POST /sessions/{id}/activity', { params: { id }, claims: null, headers: { 'x-session-token': token }, body: { kind: 'ping' } });

    expect(answer.status).toBe(404);
    expect(answer.body.error?.code).toBe('not_found');
  });
});
