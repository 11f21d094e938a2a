// The workspace routes (README "HTTP API", "Workspaces"), through the real handler with API
// Gateway v2 events and fake ports: listing one's own (an admin: anyone's), deleting one's own,
// 409 while a session uses it, and the contract's errors.
import { beforeEach, describe, expect, it } from 'vitest';
import { type WorkspaceView } from '../../../contract/wire';
import { handleTaskEvent } from '../../../lambdas/use-cases/handle-task-event';
import { OTHER_USER, USER } from '../../support/apigw-events';
import { type ApiHarness, adminClaims, makeApiHarness } from './api-harness';

let api: ApiHarness;

beforeEach(async () => {
  api = await makeApiHarness();
});

/** A studio session of `owner`, created through the API: it takes the owner's workspace. */
const studioSession = async (owner = USER): Promise<string> => {
  const answer = await api.call('POST /sessions', { body: { profile: 'studio' }, claims: { sub: owner } });
  expect(answer.status).toBe(201);
  expect(answer.body.session?.workspace).toMatchObject({ mountPath: '/home/user/work', sizeGiB: 20, restored: false });
  return answer.body.session?.id ?? '';
};

const workspacesOf = (body: Record<string, unknown>): WorkspaceView[] => body['workspaces'] as WorkspaceView[];

describe('GET /workspaces', () => {
  it("lists the caller's own workspaces, without bookkeeping", async () => {
    const sessionId = await studioSession();
    await studioSession(OTHER_USER);

    const answer = await api.call('GET /workspaces');

    expect(answer.status).toBe(200);
    expect(workspacesOf(answer.body)).toEqual([expect.objectContaining({ ownerId: USER, profile: 'studio', state: 'in_use', sessionId })]);
    for (const hidden of ['id', 'version', 'scheduleName', 'scheduleSeq', 'snapshotId', 'volumeId', 'warnedFor']) {
      expect(workspacesOf(answer.body)[0]).not.toHaveProperty(hidden);
    }
  });

  it("lets an admin list another owner's with ?ownerId=, and answers a user asking for another's with 404", async () => {
    await studioSession();

    const admin = await api.call('GET /workspaces', { query: { ownerId: USER }, claims: adminClaims() });
    const user = await api.call('GET /workspaces', { query: { ownerId: USER }, claims: { sub: OTHER_USER } });

    expect(workspacesOf(admin.body)).toHaveLength(1);
    expect(user.status).toBe(404);
    expect(user.body.error?.code).toBe('not_found');
  });

  it('refuses an unknown query parameter with 400', async () => {
    const answer = await api.call('GET /workspaces', { query: { owner: USER } });

    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('validation_failed');
  });
});

describe('DELETE /workspaces/{profile}', () => {
  it('refuses with 409 while a session uses it, then deletes it once the session ended', async () => {
    const sessionId = await studioSession();

    const refused = await api.call('DELETE /workspaces/{profile}', { params: { profile: 'studio' } });
    expect(refused.status).toBe(409);
    expect(refused.body.error?.code).toBe('conflict');

    await api.call('DELETE /sessions/{id}', { params: { id: sessionId } });
    const session = api.deps.store.peek(sessionId);
    api.deps.tasks.finishStop(session.taskArn ?? '');
    await handleTaskEvent(api.deps, { taskArn: session.taskArn ?? '', lastStatus: 'STOPPED', sessionId });

    const deleted = await api.call('DELETE /workspaces/{profile}', { params: { profile: 'studio' } });
    expect(deleted.status).toBe(200);
    expect(deleted.body['workspace']).toMatchObject({ ownerId: USER, profile: 'studio', state: 'deleting' });
    expect(workspacesOf((await api.call('GET /workspaces')).body)).toEqual([]);
  });

  it("answers 404 for a workspace the caller does not have (another owner's included) and 400 for a malformed profile", async () => {
    await studioSession(OTHER_USER);

    const missing = await api.call('DELETE /workspaces/{profile}', { params: { profile: 'studio' } });
    const malformed = await api.call('DELETE /workspaces/{profile}', { params: { profile: 'Not_A_Profile' } });

    expect(missing.status).toBe(404);
    expect(missing.body.error?.code).toBe('not_found');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error?.message).toMatch(/^profile: /);
  });
});
