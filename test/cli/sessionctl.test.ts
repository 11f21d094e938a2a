// sessionctl driven in-process against a fake API on a free port: what a user sees (tables, raw
// JSON), what reaches the API (paths, bodies, headers) and the exit codes scripts branch on.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, importSPKI, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadLocalKeys, localKeyPaths } from '../../local/adapters/local-keys';
import { runCli } from '../support/run-cli';
import { SESSION_ID } from '../support/session-fixture';
import { type FakeApi, OTHER_ID, closedPortUrl, errorReply, sessionView, startFakeApi } from './fake-api';

const TOKEN = 'test-token';

let api: FakeApi | undefined;
let tempDir: string | undefined;

const fakeApi = async (...args: Parameters<typeof startFakeApi>): Promise<FakeApi> => {
  api = await startFakeApi(...args);
  return api;
};

/** sessionctl against the fake API with an explicit token. */
const cli = (argv: readonly string[]) => runCli(['--api', api?.url ?? 'unset', '--token', TOKEN, ...argv]);

beforeEach(() => {
  api = undefined;
  tempDir = undefined;
});

afterEach(async () => {
  await api?.close();
  if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
});

const makeTempDir = async (): Promise<string> => {
  tempDir = await mkdtemp(join(tmpdir(), 'sessionctl-test-'));
  return tempDir;
};

describe('list', () => {
  const twoSessions = {
    sessions: [
      sessionView(),
      sessionView({ id: OTHER_ID, status: 'stopped', endReason: 'idle_timeout', endedAt: '2026-03-10T11:00:00.000Z' }),
    ],
  };

  it('prints an aligned table with id, profile, status, activity, expires in and reason', async () => {
    // Arrange
    await fakeApi(() => ({ status: 200, body: twoSessions }));

    // Act
    const result = await cli(['list', '--status', 'all']);

    // Assert
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+PROFILE\s+STATUS\s+ACTIVITY\s+EXPIRES IN\s+REASON$/);
    expect(lines[1]).toMatch(new RegExp(`^${SESSION_ID}\\s+demo\\s+running\\s+active\\s+14m 30s\\s+idle_timeout$`));
    expect(lines[2]).toMatch(new RegExp(`^${OTHER_ID}\\s+demo\\s+stopped\\s+-\\s+-\\s+idle_timeout$`));
    // Aligned: every column starts at the same offset on every line.
    const statusOffsets = [lines[0]?.indexOf('STATUS'), lines[1]?.indexOf('running'), lines[2]?.indexOf('stopped')];
    expect(new Set(statusOffsets).size).toBe(1);
    expect(api?.requests[0]?.query.get('status')).toBe('all');
    expect(api?.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('prints the raw JSON response with --json', async () => {
    await fakeApi(() => ({ status: 200, body: { ...twoSessions, nextToken: 'page-2' } }));

    const result = await cli(['list', '--json']);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ ...twoSessions, nextToken: 'page-2' });
  });

  it('follows nextToken with --all-pages and prints one list', async () => {
    await fakeApi((request) =>
      request.query.get('nextToken') === 'page-2'
        ? { status: 200, body: { sessions: [sessionView({ id: OTHER_ID })] } }
        : { status: 200, body: { sessions: [sessionView()], nextToken: 'page-2' } },
    );

    const result = await cli(['list', '--all-pages', '--limit', '1', '--json']);

    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as { sessions: { id: string }[]; nextToken?: string };
    expect(body.sessions.map((s) => s.id)).toEqual([SESSION_ID, OTHER_ID]);
    expect(body.nextToken).toBeUndefined();
    expect(api?.requests.map((r) => r.query.get('limit'))).toEqual(['1', '1']);
  });
});

describe('create', () => {
  it('sends the profile, timeouts, metadata and Idempotency-Key, and prints the session and its token', async () => {
    await fakeApi(() => ({ status: 201, body: { session: sessionView({ status: 'starting' }), activityToken: 'act-tok' } }));

    const result = await cli([
      'create',
      '--profile',
      'demo',
      '--idle',
      '60',
      '--max',
      '3600',
      '--meta',
      'team=data',
      '--meta',
      'note=a=b',
      '--idempotency-key',
      'key-1',
    ]);

    expect(result.code).toBe(0);
    const request = api?.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/sessions');
    expect(request?.body).toEqual({
      profile: 'demo',
      idleTimeoutSeconds: 60,
      maxLifetimeSeconds: 3600,
      metadata: { team: 'data', note: 'a=b' },
    });
    expect(request?.headers['idempotency-key']).toBe('key-1');
    expect(result.stdout).toContain(SESSION_ID);
    expect(result.stdout).toContain('activity token: act-tok');
  });

  it('rejects a bad flag value with exit code 2 before sending anything', async () => {
    await fakeApi(() => ({ status: 201, body: {} }));

    const result = await cli(['create', '--profile', 'demo', '--idle', 'soon']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("'--idle <seconds>' argument 'soon' is invalid");
    expect(api?.requests).toHaveLength(0);
  });
});

describe('single-session commands', () => {
  it('show prints every field of the session', async () => {
    await fakeApi(() => ({ status: 200, body: { session: sessionView({ metadata: { team: 'data' } }) } }));

    const result = await cli(['show', SESSION_ID]);

    expect(result.code).toBe(0);
    expect(api?.requests[0]?.path).toBe(`/sessions/${SESSION_ID}`);
    expect(result.stdout).toMatch(/expires:\s+2026-03-10T12:14:30.000Z \(in 14m 30s\), idle_timeout/);
    expect(result.stdout).toMatch(/metadata:\s+team=data/);
  });

  it('heartbeat with --session-token authenticates as the session, without a bearer token', async () => {
    await fakeApi(() => ({ status: 200, body: { session: sessionView(), nextReportInSeconds: 45 } }));

    const result = await cli(['heartbeat', SESSION_ID, '--kind', 'ping', '--session-token', 'act-tok']);

    expect(result.code).toBe(0);
    const request = api?.requests[0];
    expect(request?.path).toBe(`/sessions/${SESSION_ID}/activity`);
    expect(request?.body).toEqual({ kind: 'ping' });
    expect(request?.headers['x-session-token']).toBe('act-tok');
    expect(request?.headers.authorization).toBeUndefined();
    expect(result.stderr).toContain('next report in 45 s');
  });

  it('heartbeat --kind connect names a new connection id and prints it, so the disconnect can name it', async () => {
    await fakeApi(() => ({ status: 200, body: { session: sessionView(), nextReportInSeconds: 1 } }));

    const result = await cli(['heartbeat', SESSION_ID, '--kind', 'connect']);

    expect(result.code).toBe(0);
    const sent = api?.requests[0]?.body as { kind: string; connectionId: string };
    expect(sent.kind).toBe('connect');
    expect(sent.connectionId).toMatch(/^sessionctl-[0-9a-f]{8}$/);
    expect(result.stderr).toContain(`--connection-id ${sent.connectionId}`);
    const asJson = await cli(['--json', 'heartbeat', SESSION_ID, '--kind', 'connect']);
    expect(asJson.stderr).toMatch(/--connection-id sessionctl-[0-9a-f]{8}/);
  });

  it('heartbeat sends the --connection-id given, for any kind', async () => {
    await fakeApi(() => ({ status: 200, body: { session: sessionView(), nextReportInSeconds: 1 } }));

    await cli(['heartbeat', SESSION_ID, '--kind', 'disconnect', '--connection-id', 'tab-7']);
    await cli(['heartbeat', SESSION_ID, '--kind', 'interaction', '--connection-id', 'tab-7']);
    await cli(['heartbeat', SESSION_ID, '--kind', 'busy', '--connection-id', 'agent-1']);

    expect(api?.requests.map((r) => r.body)).toEqual([
      { kind: 'disconnect', connectionId: 'tab-7' },
      { kind: 'interaction', connectionId: 'tab-7' },
      { kind: 'busy', connectionId: 'agent-1' },
    ]);
  });

  it('heartbeat --kind disconnect without --connection-id is a usage error, and sends nothing', async () => {
    await fakeApi(() => ({ status: 200, body: { session: sessionView(), nextReportInSeconds: 1 } }));

    const result = await cli(['heartbeat', SESSION_ID, '--kind', 'disconnect']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('disconnect needs --connection-id');
    expect(api?.requests).toEqual([]);
  });

  it('heartbeat --json prints the whole answer, nextReportInSeconds included', async () => {
    const body = { session: sessionView(), nextReportInSeconds: 12 };
    await fakeApi(() => ({ status: 200, body }));

    const result = await cli(['--json', 'heartbeat', SESSION_ID]);

    expect(JSON.parse(result.stdout)).toEqual(body);
  });

  it('heartbeat --for keeps reporting, each time waiting the nextReportInSeconds of the last answer', async () => {
    const waits = [45, 30, 45, 45];
    let answered = 0;
    await fakeApi(() => ({ status: 200, body: { session: sessionView(), nextReportInSeconds: waits[answered++] ?? 45 } }));

    const result = await cli(['heartbeat', SESSION_ID, '--kind', 'interaction', '--connection-id', 'tab-1', '--for', '150']);

    expect(result.code).toBe(0);
    // 0, 45, 75 and 120 s; the next (at 165 s) would be past the 150 s asked for.
    expect(result.sleptMs).toEqual([45_000, 30_000, 45_000]);
    expect(api?.requests).toHaveLength(4);
    for (const request of api?.requests ?? []) expect(request.body).toEqual({ kind: 'interaction', connectionId: 'tab-1' });
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(4);
    expect(result.stdout).toContain('interaction: expires in 14m 30s (idle_timeout); next report in 45 s');
  });

  it('heartbeat --for with --json prints one answer per line', async () => {
    await fakeApi(() => ({ status: 200, body: { session: sessionView(), nextReportInSeconds: 10 } }));

    const result = await cli(['--json', 'heartbeat', SESSION_ID, '--kind', 'ping', '--for', '25']);

    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ nextReportInSeconds: 10 });
  });

  it('heartbeat --for stops at the first error, with its exit code', async () => {
    let answered = 0;
    await fakeApi(() => (answered++ < 2 ? { status: 200, body: { session: sessionView(), nextReportInSeconds: 5 } } : errorReply(409, 'conflict', 'the session is stopping')));

    const result = await cli(['heartbeat', SESSION_ID, '--for', '600']);

    expect(result.code).toBe(5);
    expect(api?.requests).toHaveLength(3);
  });

  it('heartbeat --for refuses connect and disconnect, which are sent once', async () => {
    await fakeApi(() => ({ status: 200, body: { session: sessionView(), nextReportInSeconds: 1 } }));

    const result = await cli(['heartbeat', SESSION_ID, '--kind', 'connect', '--for', '60']);

    expect(result.code).toBe(2);
    expect(api?.requests).toEqual([]);
  });

  it('extend sends the seconds', async () => {
    await fakeApi(() => ({ status: 200, body: { session: sessionView({ extendedUntil: '2026-03-10T13:00:00.000Z' }) } }));

    const result = await cli(['extend', SESSION_ID, '--seconds', '3600']);

    expect(result.code).toBe(0);
    expect(api?.requests[0]?.path).toBe(`/sessions/${SESSION_ID}/extend`);
    expect(api?.requests[0]?.body).toEqual({ seconds: 3600 });
  });

  it('end says when the session was already ended (200 instead of 202)', async () => {
    const ended = sessionView({ status: 'stopped', endReason: 'user_request' });
    await fakeApi((request) => (request.method === 'DELETE' ? { status: 200, body: { session: ended } } : { status: 500 }));

    const result = await cli(['end', SESSION_ID]);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/stopped\s+-\s+-\s+user_request/);
    expect(result.stderr).toContain('already stopping or ended');
  });
});

describe('exit codes', () => {
  it.each([
    [400, 'validation_failed', 2],
    [401, 'unauthorized', 3],
    [404, 'not_found', 4],
    [409, 'conflict', 5],
    [429, 'limit_exceeded', 6],
    [503, 'unavailable', 7],
    [500, 'internal_error', 1],
  ])('maps HTTP %i (%s) to exit code %i with a one-line message and no stack', async (status, code, exitCode) => {
    await fakeApi(() => errorReply(status, code, 'something went wrong'));

    const result = await cli(['show', SESSION_ID]);

    expect(result.code).toBe(exitCode);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`sessionctl: something went wrong (${code}, HTTP ${status}, request id req-123)\n`);
  });

  it('says the API cannot be reached, with exit code 7, when nothing listens', async () => {
    const url = await closedPortUrl();

    const result = await runCli(['--api', url, '--token', TOKEN, 'list']);

    expect(result.code).toBe(7);
    expect(result.stderr).toBe(`sessionctl: cannot reach the API at ${url}: is \`npm start\` running?\n`);
  });

  it('refuses to call a remote API without a token (exit code 3)', async () => {
    const result = await runCli(['--api', 'https://sessions.example.com', 'list']);

    expect(result.code).toBe(3);
    expect(result.stderr).toContain('pass --token or set SESSIONCTL_TOKEN');
  });

  it('sends no locally minted token to a host that only looks local (exit code 3)', async () => {
    const dir = await makeTempDir();
    await loadLocalKeys(join(dir, '.local'));

    const result = await runCli(['--api', 'http://127.evil.example:3000', 'list'], { cwd: dir });

    expect(result.code).toBe(3);
    expect(result.stderr).toBe('sessionctl: no token for http://127.evil.example:3000: pass --token or set SESSIONCTL_TOKEN\n');
  });

  it('treats an unknown command as a usage error (exit code 2)', async () => {
    const result = await runCli(['launch']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'launch'");
  });

  it('documents the exit codes in --help', async () => {
    const result = await runCli(['--help']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Exit codes:');
    expect(result.stdout).toMatch(/7\s+unavailable/);
  });
});

describe('stats and sweep', () => {
  const report = {
    dryRun: false,
    expired: Array.from({ length: 11 }, (_, i) => ({ sessionId: `s-${i}`, action: 'stopped' })),
    stuck: [],
    orphans: [{ taskId: 'abc123', action: 'stopped' }],
    lost: [],
    failures: [{ sessionId: 's-x', action: 'stop', error: 'throttled' }],
  };

  it('stats prints counts', async () => {
    await fakeApi(() => ({
      status: 200,
      body: {
        byStatus: { starting: 0, running: 2, stopping: 0, stopped: 5, failed: 1 },
        byEndReason: { idle_timeout: 4, max_lifetime: 0, disconnected: 0, user_request: 1, admin_request: 0, task_exited: 0, orphaned: 0, start_failed: 1 },
        endedSince: '2026-03-09T12:00:00.000Z',
        byActivityLevel: { active: 1, idle: 1, background: 0, disconnected: 0 },
        live: 2,
        overdue: 0,
        oldestLive: { sessionId: SESSION_ID, createdAt: '2026-03-10T10:00:00.000Z' },
      },
    }));

    const result = await cli(['stats']);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/live:\s+2/);
    expect(result.stdout).toContain(`${SESSION_ID} (created 2h ago)`);
    expect(result.stdout).toMatch(/live by status:\s+starting 0, running 2, stopping 0\n/);
    expect(result.stdout).toMatch(/ended:\s+stopped 5, failed 1 \(since 2026-03-09T12:00:00.000Z, 1d ago\)/);
    expect(result.stdout).toMatch(/ended by reason:\s+idle_timeout 4, user_request 1, start_failed 1/);
  });

  it('sweep sends dryRun and prints a summary, and always lists failures', async () => {
    await fakeApi(() => ({ status: 200, body: { ...report, dryRun: true } }));

    const result = await cli(['sweep', '--dry-run']);

    expect(result.code).toBe(0);
    expect(api?.requests[0]?.body).toEqual({ dryRun: true });
    expect(result.stdout).toContain('sweep (dry run: nothing changed): 11 expired, 0 stuck, 1 orphans, 0 lost, 1 failures');
    expect(result.stdout).toMatch(/failures\s+s-x\s+-\s+stop\s+throttled/);
    expect(result.stdout).not.toContain('s-0');
  });

  it('sweep --verbose lists every item', async () => {
    await fakeApi(() => ({ status: 200, body: report }));

    const result = await cli(['sweep', '--verbose']);

    expect(result.stdout).toMatch(/expired\s+s-10\s+-\s+stopped/);
    expect(result.stdout).toMatch(/orphans\s+-\s+abc123\s+stopped/);
  });

  it('sweep draws the outcome bar on a terminal for a large report, and nothing on a pipe', async () => {
    await fakeApi(() => ({ status: 200, body: report }));
    const args = ['--api', api?.url ?? '', '--token', TOKEN, 'sweep'];

    const onTerminal = await runCli(args, { stderrTty: true });
    const onPipe = await runCli(args);

    expect(onTerminal.stderr).toContain('12/13 items (1 failed)');
    expect(onPipe.stderr).toBe('');
    expect(onTerminal.stdout).toBe(onPipe.stdout);
  });

  it('sweep --json prints the raw report only', async () => {
    await fakeApi(() => ({ status: 200, body: report }));

    const result = await runCli(['--api', api?.url ?? '', '--token', TOKEN, '--json', 'sweep'], { stderrTty: true });

    expect(JSON.parse(result.stdout)).toEqual(report);
    expect(result.stderr).not.toContain('items');
  });
});

describe('tokens', () => {
  it('token prints only a JWT for the user, with the admin group, verifiable with the local public key', async () => {
    const dir = await makeTempDir();

    const result = await runCli(['token', '--user', 'me', '--admin', '--data-dir', 'data'], { cwd: dir });

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const publicKey = await importSPKI(await readFile(localKeyPaths(join(dir, 'data')).publicPem, 'utf8'), 'RS256');
    const { payload } = await jwtVerify(result.stdout.trim(), publicKey);
    expect(payload.sub).toBe('me');
    expect(payload.groups).toEqual(['session-admins']);
  });

  it('token without --admin carries no admin group', async () => {
    const dir = await makeTempDir();

    const result = await runCli(['token', '--user', 'me'], { cwd: dir, env: { LOCAL_DATA_DIR: join(dir, 'd') } });

    expect(result.code).toBe(0);
    expect(decodeJwt(result.stdout.trim()).groups).toBeUndefined();
  });

  it('without --token, mints a `dev` token from the local key (admin only for admin commands)', async () => {
    const dir = await makeTempDir();
    const keys = await loadLocalKeys(join(dir, '.local'));
    await fakeApi((request) =>
      request.path === '/stats'
        ? { status: 200, body: { byStatus: {}, byActivityLevel: {}, live: 0, overdue: 0 } }
        : { status: 200, body: { sessions: [] } },
    );
    const run = (command: string) => runCli(['--api', api?.url ?? '', command], { cwd: dir });

    const list = await run('list');
    const stats = await run('stats');

    expect([list.code, stats.code]).toEqual([0, 0]);
    const bearerOf = (i: number): string => String(api?.requests[i]?.headers.authorization).replace(/^Bearer /, '');
    const user = await jwtVerify(bearerOf(0), keys.publicKey);
    const admin = await jwtVerify(bearerOf(1), keys.publicKey);
    expect(user.payload.sub).toBe('dev');
    expect(user.payload.groups).toBeUndefined();
    expect(admin.payload.groups).toEqual(['session-admins']);
  });
});
