// `sessionctl workspaces` and `sessionctl workspace rm` against a fake API (README "Workspaces"):
// what reaches the API, what a user sees, and the exit code of a refusal.
import { afterEach, describe, expect, it } from 'vitest';
import { type WorkspaceView } from '../../contract/wire';
import { runCli } from '../support/run-cli';
import { T0 } from '../support/time';
import { type FakeApi, errorReply, startFakeApi } from './fake-api';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const cli = (argv: readonly string[]) => runCli(['--api', api?.url ?? 'unset', '--token', 'test-token', ...argv]);

const HOUR = 3_600_000;
const saved: WorkspaceView = {
  ownerId: 'alice',
  profile: 'studio',
  state: 'saved',
  mountPath: '/home/user/work',
  sizeGiB: 20,
  createdAt: new Date(T0 - 48 * HOUR).toISOString(),
  lastUsedAt: new Date(T0 - 2 * HOUR).toISOString(),
  sessionId: '2f1c3d4e-0000-4000-8000-000000000001',
  deleteAt: new Date(T0 + 70 * HOUR).toISOString(),
};

describe('sessionctl workspaces', () => {
  it('lists the caller\'s workspaces as a table', async () => {
    api = await startFakeApi(() => ({ status: 200, body: { workspaces: [saved] } }));

    const result = await cli(['workspaces']);

    expect(result.code).toBe(0);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /workspaces']);
    const [header, row] = result.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^PROFILE\s+STATE\s+SIZE\s+MOUNT\s+LAST USED\s+DELETED\s+SESSION$/);
    expect(row).toMatch(/^studio\s+saved\s+20 GiB\s+\/home\/user\/work\s+2h ago\s+in 2d 22h\s+-$/);
  });

  it('asks for another owner\'s with --owner, and prints the raw answer with --json', async () => {
    api = await startFakeApi(() => ({ status: 200, body: { workspaces: [] } }));

    const result = await cli(['--json', 'workspaces', '--owner', 'bob']);

    expect(api.requests[0]?.query.get('ownerId')).toBe('bob');
    expect(JSON.parse(result.stdout)).toEqual({ workspaces: [] });
  });
});

describe('sessionctl workspace rm', () => {
  it('deletes the workspace of a profile', async () => {
    api = await startFakeApi(() => ({ status: 200, body: { workspace: { ...saved, state: 'deleting' } } }));

    const result = await cli(['workspace', 'rm', 'studio']);

    expect(result.code).toBe(0);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['DELETE /workspaces/studio']);
    expect(result.stdout).toBe('workspace studio deleted: its files are gone\n');
  });

  it('says why when a session still uses it, with the conflict exit code', async () => {
    api = await startFakeApi(() => errorReply(409, 'conflict', 'workspace: a session of yours is using it; end that session first'));

    const result = await cli(['workspace', 'rm', 'studio']);

    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('workspace: a session of yours is using it; end that session first (conflict, HTTP 409');
  });
});
