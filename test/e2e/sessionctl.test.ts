// sessionctl against the real local stack (in-process, free ports): a token it mints is accepted, and
// create, list, show and end round-trip with --json; the bundled demo program, run as a real task,
// reports its connect through the stack with its activity token, and another client's connection,
// closed twice, leaves the demo's open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SessionView } from '../../contract/wire';
import { runCli } from '../support/run-cli';
import { SLEEPER_PROFILE, type TestStack, bootLocalStack, testConfig } from '../support/local-stack';
import { pidExists, waitFor } from '../support/wait-for';

const DEMO_PROFILE = 'demo';

let env: TestStack;

beforeAll(async () => {
  env = await bootLocalStack({
    config: testConfig(
      {},
      {
        profiles: {
          [SLEEPER_PROFILE]: testConfig().profiles[SLEEPER_PROFILE],
          [DEMO_PROFILE]: {
            ...testConfig().profiles[SLEEPER_PROFILE],
            // The bundled program, pinging every second so the test sees it quickly.
            local: { command: ['env', 'DEMO_PING_SECONDS=1', 'node', 'bin/demo-session.mjs'] },
          },
        },
      },
    ),
  });
});

afterAll(async () => {
  await env?.cleanup();
});

/** sessionctl --json against the stack; fails the test on a non-zero exit, returns the parsed stdout. */
const ctlJson = async <T>(token: string, argv: readonly string[]): Promise<T> => {
  const result = await runCli(['--api', env.apiUrl, '--token', token, '--json', ...argv]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
};

const showJson = async (token: string, id: string): Promise<SessionView> =>
  (await ctlJson<{ session: SessionView }>(token, ['show', id])).session;

describe('sessionctl on the local stack', () => {
  it('mints a token the stack accepts, then creates, lists, shows and ends a session', async () => {
    // Arrange: a token from `sessionctl token`, from the stack's own key.
    const minted = await runCli(['token', '--user', 'ctl-user', '--data-dir', env.dataDir]);
    expect(minted.code).toBe(0);
    const token = minted.stdout.trim();

    // Act
    const created = await ctlJson<{ session: SessionView; activityToken?: string }>(token, [
      'create',
      '--profile',
      SLEEPER_PROFILE,
      '--idle',
      '120',
      '--meta',
      'purpose=e2e',
    ]);
    const id = created.session.id;
    const listed = await ctlJson<{ sessions: SessionView[] }>(token, ['list', '--status', 'live', '--all-pages']);
    const pid = await env.taskPid(id);
    const running = await waitFor(async () => ((await showJson(token, id)).status === 'running' ? true : undefined), {
      timeoutMs: 5000,
      what: 'the session to run',
    });
    const ending = await ctlJson<{ session: SessionView }>(token, ['end', id]);
    const final = await waitFor(
      async () => {
        const session = await showJson(token, id);
        return session.status === 'stopped' ? session : undefined;
      },
      { timeoutMs: 8000, intervalMs: 100, what: 'the session to stop' },
    );

    // Assert
    expect(created.session).toMatchObject({ ownerId: 'ctl-user', profile: SLEEPER_PROFILE, metadata: { purpose: 'e2e' } });
    expect(created.activityToken).toEqual(expect.any(String));
    expect(listed.sessions.map((s) => s.id)).toContain(id);
    expect(running).toBe(true);
    expect(['stopping', 'stopped']).toContain(ending.session.status);
    expect(final.endReason).toBe('user_request');
    await waitFor(() => !pidExists(pid), { timeoutMs: 10_000, what: 'the task process to exit' });
  });

  it('without --token, acts as `dev` with a token minted from the local key', async () => {
    const result = await runCli(['--api', env.apiUrl, '--json', 'list'], { env: { LOCAL_DATA_DIR: env.dataDir } });
    const stats = await runCli(['--api', env.apiUrl, 'stats'], { env: { LOCAL_DATA_DIR: env.dataDir } });

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveProperty('sessions');
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/live:\s+\d+/);
  });

  it('runs the bundled demo program as a task: it connects with its activity token and leaves on end', async () => {
    const token = await env.token('demo-user');
    const { session } = await ctlJson<{ session: SessionView }>(token, ['create', '--profile', DEMO_PROFILE]);
    const pid = await env.taskPid(session.id);

    const connected = await waitFor(
      async () => {
        const current = await showJson(token, session.id);
        // The demo program; the session agent it runs under connects too, but as the agent.
        return current.status === 'running' && current.connections === 1 && current.agentConnected ? current : undefined;
      },
      { timeoutMs: 8000, intervalMs: 100, what: 'the demo program and its session agent to connect' },
    );
    // A second client connects through sessionctl; its disconnect, sent twice, closes only its own.
    const opened = await runCli(['--api', env.apiUrl, '--token', token, 'heartbeat', session.id, '--kind', 'connect']);
    const connectionId = /--connection-id (\S+)/.exec(opened.stderr)?.[1] ?? '';
    const both = await showJson(token, session.id);
    const closeIt = ['heartbeat', session.id, '--kind', 'disconnect', '--connection-id', connectionId];
    await ctlJson(token, closeIt);
    const retried = await ctlJson<{ session: SessionView; nextReportInSeconds: number }>(token, closeIt);
    await ctlJson(token, ['end', session.id]);
    const final = await waitFor(
      async () => {
        const current = await showJson(token, session.id);
        return current.status === 'stopped' ? current : undefined;
      },
      { timeoutMs: 8000, intervalMs: 100, what: 'the demo session to stop' },
    );

    expect(connected.connections).toBe(1);
    // Pings prove presence only: the demo program never moves lastActivityAt.
    expect(connected.lastActivityAt).toBe(session.lastActivityAt);
    expect(opened.code).toBe(0);
    expect(both.connections).toBe(2);
    expect(retried.session.connections).toBe(1);
    expect(retried.session.activityLevel).not.toBe('disconnected');
    expect(retried.nextReportInSeconds).toBeGreaterThanOrEqual(1);
    expect(final.endReason).toBe('user_request');
    await waitFor(() => !pidExists(pid), { timeoutMs: 10_000, what: 'the demo process to exit' });
  });
});
