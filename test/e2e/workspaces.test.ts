// End to end on the local stack (README "Workspaces"): a file a session writes in its workspace
// survives its expiry for the same owner's next session of the profile, across a stack restart;
// another owner never sees it; after the retention the workspace is gone, and `Workspace Expiring`
// was published before `Workspace Deleted`.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SessionView, type WorkspaceList } from '../../contract/wire';
import { workspaceIdOf } from '../../lambdas/domain/workspace';
import { workspaceDirOf } from '../../local/adapters/directory-workspace-volumes';
import { type TestStack, bootLocalStack, testConfig } from '../support/local-stack';
import { waitFor } from '../support/wait-for';

type SessionAnswer = { session: SessionView };

const SLEEPER = resolve(import.meta.dirname, 'fixtures/sleeper.mjs');

/**
 * The session program, run in its workspace: it records what an earlier session left in `note.txt`
 * (or that it found none), adds its own line to it, then sleeps until stopped.
 */
const SCRIPT = [
  'if [ -f note.txt ]; then cp note.txt "found-$SESSION_ID.txt"; else echo empty > "found-$SESSION_ID.txt"; fi',
  'echo "$SESSION_ID" >> note.txt',
  `[ "$PWD" = "$SESSION_WORKSPACE_DIR" ] && exec node ${JSON.stringify(SLEEPER)}`,
].join('; ');

const RETENTION_SECONDS = 6;

let env: TestStack;

beforeAll(async () => {
  env = await bootLocalStack({
    config: testConfig({
      // The first session is left to expire; the others ask for longer and are ended by hand, so a slow
      // machine never lets them expire while the test still looks at them.
      idleTimeoutSeconds: { default: 3, min: 1, max: 600 },
      workspace: { sizeGiB: 5, mountPath: '/home/user/work', retentionDays: 30, warnBeforeDays: 2 },
      local: { command: ['sh', '-c', SCRIPT], workspaceRetentionSeconds: RETENTION_SECONDS, workspaceWarnBeforeSeconds: 3 },
    }),
  });
});

afterAll(async () => {
  await env?.cleanup();
});

const dirOf = (owner: string): string => workspaceDirOf(env.dataDir, workspaceIdOf(owner, 'sleeper'));

const create = async (owner: string, idleTimeoutSeconds?: number): Promise<SessionView> => {
  const request = { profile: 'sleeper', ...(idleTimeoutSeconds !== undefined && { idleTimeoutSeconds }) };
  const { status, body } = await env.api<SessionAnswer>('POST', '/sessions', { body: request, token: await env.token(owner) });
  expect(status).toBe(201);
  return body.session;
};

const show = async (owner: string, id: string): Promise<SessionView> =>
  (await env.api<SessionAnswer>('GET', `/sessions/${id}`, { token: await env.token(owner) })).body.session;

/** What the session found in its workspace when it started. */
const found = (owner: string, sessionId: string): Promise<string> => {
  const path = join(dirOf(owner), `found-${sessionId}.txt`);
  return waitFor(() => (existsSync(path) && readFileSync(path, 'utf8').endsWith('\n') ? readFileSync(path, 'utf8') : undefined), {
    what: `what session ${sessionId} found in its workspace`,
  });
};

const stopped = (owner: string, id: string): Promise<SessionView> =>
  waitFor(
    async () => {
      const session = await show(owner, id);
      return session.status === 'stopped' ? session : undefined;
    },
    { timeoutMs: 10_000, what: `session ${id} to stop` },
  );

const events = (): { 'detail-type': string; detail: Record<string, unknown> }[] => {
  const path = join(env.dataDir, 'events.ndjson');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as { 'detail-type': string; detail: Record<string, unknown> });
};

describe('local stack: workspaces', () => {
  it('keeps a session\'s files for the owner\'s next session of the profile, hides them from others, and deletes them after the retention', async () => {
    const first = await create('alice');
    expect(first.workspace).toMatchObject({ mountPath: '/home/user/work', sizeGiB: 5, restored: false, retentionSeconds: RETENTION_SECONDS });
    expect(await found('alice', first.id)).toBe('empty\n');
    expect(await stopped('alice', first.id)).toMatchObject({ endReason: 'idle_timeout' });

    // The file outlives the session and a restart of the stack.
    await env.restart();
    const second = await create('alice', 600);
    expect(second.workspace?.restored).toBe(true);
    expect(await found('alice', second.id)).toBe(`${first.id}\n`);

    const other = await create('bob', 600);
    expect(other.workspace?.restored).toBe(false);
    expect(await found('bob', other.id)).toBe('empty\n');
    expect(dirOf('bob')).not.toBe(dirOf('alice'));

    const listed = await env.api<WorkspaceList>('GET', '/workspaces', { token: await env.token('alice') });
    expect(listed.body.workspaces).toEqual([expect.objectContaining({ ownerId: 'alice', profile: 'sleeper', state: 'in_use', sessionId: second.id })]);
    const refused = await env.api('DELETE', '/workspaces/sleeper', { token: await env.token('alice') });
    expect(refused.status).toBe(409);

    expect((await env.api('DELETE', `/sessions/${second.id}`, { token: await env.token('alice') })).status).toBe(202);
    await stopped('alice', second.id);
    await waitFor(async () => (await env.api<WorkspaceList>('GET', '/workspaces', { token: await env.token('alice') })).body.workspaces.length === 0, {
      timeoutMs: (RETENTION_SECONDS + 5) * 1000,
      what: 'alice\'s workspace to be deleted after its retention',
    });

    expect(existsSync(dirOf('alice'))).toBe(false);
    const alices = events().filter((e) => e['detail-type'].startsWith('Workspace') && e.detail['ownerId'] === 'alice');
    expect(alices.map((e) => e['detail-type'])).toEqual(['Workspace Expiring', 'Workspace Deleted']);
    expect(alices[1]?.detail).toMatchObject({ profile: 'sleeper', reason: 'retention' });
  });
});
