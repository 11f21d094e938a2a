// End to end on the local stack: a hand-written profile runs as written, and its task sees what a
// Fargate task would (README, Profiles: `local.command`, `local.env`): the session variables, the
// profile's local.env and PATH, HOME, LANG, TZ, but nothing else of the environment the stack runs in.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SessionView } from '../../contract/wire';
import { type TestStack, bootLocalStack, testConfig } from '../support/local-stack';
import { pidExists, waitFor } from '../support/wait-for';

type SessionAnswer = { session: SessionView; activityToken?: string };

/** A `sh -c` script (README "Configuration", `local.command`) whose arguments hold `/` and relative paths. */
const INLINE_SCRIPT = [
  'mkdir -p "$SESSION_WORKSPACE_DIR/$SESSION_ID"/inline/sub',
  'env > "$SESSION_WORKSPACE_DIR/$SESSION_ID"/inline/sub/env.txt',
  'exec node test/e2e/fixtures/sleeper.mjs',
].join(' && ');

/** Profile name → the program's command, and where (under the session's directory) it records its environment. */
const PROFILES = {
  inline: { command: ['sh', '-c', INLINE_SCRIPT], recordsIn: 'inline/sub' },
  script: { command: ['test/e2e/fixtures/workspace-session.sh', 'by-script/sub'], recordsIn: 'by-script/sub' },
} as const;

/** What `sh` itself adds to the environment it was given. */
const SHELL_VARIABLES = ['PWD', 'OLDPWD', 'SHLVL', '_'];

let env: TestStack;
let workspace: string;
const operatorSecret = process.env.AWS_SECRET_ACCESS_KEY;

beforeAll(async () => {
  // The shell that ran `npm start` holds credentials: the stack runs in this process, so set one here.
  process.env.AWS_SECRET_ACCESS_KEY = 'x';
  workspace = mkdtempSync(join(tmpdir(), 'task-workspace-'));
  const base = testConfig().profiles.sleeper;
  const localEnv = { SESSION_WORKSPACE_DIR: workspace, GREETING: 'hello from local.env' };
  env = await bootLocalStack({
    config: testConfig(
      {},
      {
        profiles: Object.fromEntries(
          Object.entries(PROFILES).map(([name, { command }]) => [name, { ...base, local: { command, env: localEnv } }]),
        ),
      },
    ),
  });
});

afterAll(async () => {
  await env?.cleanup();
  if (workspace !== undefined) rmSync(workspace, { recursive: true, force: true });
  if (operatorSecret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  else process.env.AWS_SECRET_ACCESS_KEY = operatorSecret;
});

const create = async (profile: string): Promise<SessionAnswer> => {
  const { status, body } = await env.api<SessionAnswer>('POST', '/sessions', { body: { profile } });
  expect(status).toBe(201);
  return body;
};

const show = async (id: string): Promise<SessionView> => (await env.api<SessionAnswer>('GET', `/sessions/${id}`)).body.session;

/** The environment a session's program recorded, once it has (`env` output: one NAME=value a line). */
const recordedEnvironment = (sessionId: string, recordsIn: string): Promise<Record<string, string>> => {
  const path = join(workspace, sessionId, recordsIn, 'env.txt');
  return waitFor(
    () => {
      const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
      if (!text.endsWith('\n')) return undefined;
      return Object.fromEntries(text.trimEnd().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    },
    { what: `the environment recorded by session ${sessionId}` },
  );
};

describe('local stack: a hand-written profile', () => {
  it.each(Object.entries(PROFILES))('%s: runs as written, with relative paths and "$VARIABLE"/sub arguments', async (profile, { recordsIn }) => {
    const { session } = await create(profile);
    const pid = await env.taskPid(session.id);

    await recordedEnvironment(session.id, recordsIn);
    const taskLog = join(env.dataDir, 'tasks', `${session.id}.log`);
    await waitFor(() => readFileSync(taskLog, 'utf8').includes(`sleeper ${session.id}: started`), { what: 'the script to run the sleeper' });
    await waitFor(async () => (await show(session.id)).status === 'running', { what: 'the session to be running' });
    expect(pidExists(pid)).toBe(true);

    const { status } = await env.api('DELETE', `/sessions/${session.id}`);
    expect(status).toBe(202);
    await waitFor(async () => (await show(session.id)).status === 'stopped', { what: 'the session to stop' });
    expect(await show(session.id)).toMatchObject({ endReason: 'user_request' });
    await waitFor(() => !pidExists(pid), { timeoutMs: 10_000, what: 'the task process to exit' });
  });

  it("gets the session variables and local.env, and none of the stack's environment beyond PATH, HOME, LANG, TZ", async () => {
    const { session, activityToken } = await create('script');
    await env.taskPid(session.id);

    const seen = await recordedEnvironment(session.id, PROFILES.script.recordsIn);

    expect(seen).not.toHaveProperty('AWS_SECRET_ACCESS_KEY');
    expect(seen).toMatchObject({
      SESSION_ID: session.id,
      SESSION_ACTIVITY_TOKEN: activityToken,
      SESSION_API_URL: env.apiUrl,
      SESSION_WORKSPACE_DIR: workspace,
      GREETING: 'hello from local.env',
      PATH: process.env.PATH,
    });
    const allowed = new Set([
      ...['PATH', 'HOME', 'LANG', 'TZ'].filter((name) => process.env[name] !== undefined),
      ...['SESSION_ID', 'SESSION_ACTIVITY_TOKEN', 'SESSION_API_URL', 'SESSION_WORKSPACE_DIR', 'GREETING'],
      ...SHELL_VARIABLES,
    ]);
    expect(Object.keys(seen).filter((name) => !allowed.has(name))).toEqual([]);
  });
});
