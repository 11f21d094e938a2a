// Both activity routes take the task's `usage` (README "HTTP API", activity; "Resource warnings"):
// a reading past the profile's threshold shows as `resourceWarnings` in the answer and raises one
// `Session Resource Warning`, whether the task reports with its token or signed with its task role.
import { beforeEach, describe, expect, it } from 'vitest';
import { MINUTE, TEST_PROFILES } from '../../support/fakes';
import { type ApiHarness, makeApiHarness } from './api-harness';
import { ACCOUNT, TASK_ROLE, taskSigner } from './task-signer';

const PROFILES = { ...TEST_PROFILES, notebook: { ...TEST_PROFILES['notebook'], taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/${TASK_ROLE}` } };

describe.each(['activity', 'task-activity'] as const)('usage on POST /sessions/{id}/%s', (route) => {
  let api: ApiHarness;
  let id: string;
  let send: (body: Record<string, unknown>) => ReturnType<ApiHarness['call']>;

  beforeEach(async () => {
    api = await makeApiHarness({ profiles: PROFILES });
    const created = await api.createSession();
    id = created.id;
    const taskArn = String(api.deps.store.peek(id).taskArn);
    send = (body) =>
      route === 'activity'
        ? api.call('POST /sessions/{id}/activity', { params: { id }, claims: null, headers: { 'X-Session-Token': created.activityToken }, body })
        : api.call('POST /sessions/{id}/task-activity', { params: { id }, claims: null, iam: taskSigner(taskArn), body });
  });

  it('a reading past the threshold is in the answer and raises one event; the next report above raises none', async () => {
    const first = await send({ kind: 'ping', usage: { memoryPercent: 94, diskPercent: 12.5 } });
    api.deps.clock.advance(MINUTE);
    const second = await send({ kind: 'interaction', usage: { memoryPercent: 97 } });

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.body.session?.resourceWarnings).toEqual([{ resource: 'memory', percent: 94, since: expect.any(String) as unknown }]);
    expect(second.body.session?.resourceWarnings).toEqual(first.body.session?.resourceWarnings);
    expect(api.deps.events.ofType('Session Resource Warning').map((e) => e.detail)).toEqual([
      { sessionId: id, ownerId: expect.any(String) as unknown, profile: 'notebook', resource: 'memory', percent: 94, threshold: 90 },
    ]);
  });

  it('a reading below clears it from the answer', async () => {
    await send({ kind: 'connect', connectionId: 'agent-1', usage: { diskPercent: 99 } });

    const answer = await send({ kind: 'ping', connectionId: 'agent-1', usage: { diskPercent: 20 } });

    expect(answer.body.session).not.toHaveProperty('resourceWarnings');
  });

  it('refuses a percent outside 0..100 with 400, changing nothing', async () => {
    const before = api.deps.store.peek(id);

    const answer = await send({ kind: 'ping', usage: { memoryPercent: 140 } });

    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('validation_failed');
    expect(api.deps.store.peek(id)).toEqual(before);
    expect(api.deps.events.ofType('Session Resource Warning')).toEqual([]);
  });
});
