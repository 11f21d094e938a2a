// The bundled agent as the local stack runs it: `node session-agent.cjs -- <command…>` in a process
// group of its own, against a fake API on 127.0.0.1. It connects, reports busy or ping from /proc,
// writes the status file, runs the hook, passes SIGTERM on and ends with the workload's exit code.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SessionView } from '../../contract/wire';
import { agentBundleSource } from '../../agent/bundle';
import { type FakeApi, type RecordedRequest, sessionView, startFakeApi } from '../cli/fake-api';
import { SESSION_ID } from '../support/session-fixture';
import { waitFor } from '../support/wait-for';

let dir: string;
let bundle: string;
let api: FakeApi | undefined;
const started: ChildProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'session-agent-'));
  bundle = join(dir, 'session-agent.cjs');
  writeFileSync(bundle, agentBundleSource());
});

afterEach(async () => {
  for (const child of started.splice(0)) {
    try {
      process.kill(-(child.pid ?? 0), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await api?.close();
  api = undefined;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const POLICY = { cpuPercent: 30, windowSeconds: 1, unknownGraceSeconds: 2 };
const BURN = 'const end = () => process.exit(0); process.on("SIGTERM", end); for (;;) { const t = Date.now(); while (Date.now() - t < 50); await new Promise((r) => setImmediate(r)); }';
const SLEEP = 'process.on("SIGTERM", () => { console.log("workload got SIGTERM"); process.exit(0); }); setInterval(() => {}, 1 << 30);';

const serve = async (session: (request: RecordedRequest) => SessionView = () => sessionView()): Promise<FakeApi> =>
  (api = await startFakeApi((request) => ({ status: 200, body: { session: session(request), nextReportInSeconds: 1 } })));

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const runAgent = (command: string[], env: Record<string, string>): Run => {
  let output = '';
  const child = spawn(process.execPath, [bundle, ...command], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', SESSION_ID, SESSION_API_URL: api?.url ?? '', SESSION_ACTIVITY_TOKEN: 'tok', ...env },
  });
  started.push(child);
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return { child, output: () => output, exited };
};

const kinds = (): string[] => (api?.requests ?? []).map((r) => (r.body as { kind: string }).kind);
const withBusy = (overrides: Partial<SessionView> = {}): SessionView => {
  const base = sessionView(overrides);
  return { ...base, timeouts: { ...base.timeouts, busy: POLICY, stopTimeoutSeconds: 5 } };
};

describe('the session agent in wrapper mode', () => {
  it('connects under its own id, reports busy while the workload burns CPU, and ends with its exit code after a disconnect', async () => {
    await serve(() => withBusy());
    const run = runAgent(['--', process.execPath, '--input-type=module', '-e', `setTimeout(() => process.exit(3), 4000); ${BURN}`], {});

    expect(await run.exited).toBe(3);
    const ids = new Set(api?.requests.map((r) => (r.body as { connectionId: string }).connectionId));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^agent-[0-9a-f]{12}$/);
    expect(kinds()[0]).toBe('connect');
    expect(kinds()).toContain('busy');
    expect(kinds().at(-1)).toBe('disconnect');
  });

  it('pings while the workload sleeps', async () => {
    await serve(() => withBusy());
    const run = runAgent(['--', process.execPath, '-e', SLEEP], {});

    await waitFor(() => kinds().filter((k) => k === 'ping').length >= 2, { timeoutMs: 8000, what: 'two pings' });

    expect(kinds()).not.toContain('busy');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('reports busy for unknownGraceSeconds when it cannot read /proc, then only ping', async () => {
    await serve(() => withBusy());
    const run = runAgent(['--', process.execPath, '--input-type=module', '-e', BURN], { SESSION_AGENT_PROC_ROOT: join(dir, 'no-proc') });

    await waitFor(() => kinds().filter((k) => k === 'ping').length >= 2, { timeoutMs: 10_000, what: 'pings after the grace' });

    const reports = kinds().filter((k) => k === 'busy' || k === 'ping');
    const firstPing = reports.indexOf('ping');
    expect(firstPing).toBeGreaterThan(0);
    expect(reports.slice(0, firstPing).every((k) => k === 'busy')).toBe(true);
    expect(reports.slice(firstPing).every((k) => k === 'ping')).toBe(true);
    run.child.kill('SIGTERM');
    await run.exited;
  });

  it('writes the status file, runs the hook on the first warning and before the stop, and passes SIGTERM on', async () => {
    const statusFile = join(dir, 'status', 'session.json');
    const hookLog = join(dir, 'hook.log');
    const warning = { at: '2026-03-10T12:14:30.000Z', reason: 'idle_timeout' as const, secondsLeft: 40, extendRoute: `POST /sessions/${SESSION_ID}/extend` };
    await serve(() => withBusy({ warning }));
    const run = runAgent(['--', process.execPath, '-e', SLEEP], {
      SESSION_STATUS_FILE: statusFile,
      SESSION_AGENT_HOOK: JSON.stringify(['sh', '-c', `echo "$SESSION_AGENT_EVENT" >> ${hookLog}`]),
    });

    await waitFor(() => existsSync(hookLog) && readFileSync(hookLog, 'utf8').includes('warning'), { what: 'the warning hook' });
    const status = JSON.parse(readFileSync(statusFile, 'utf8')) as Record<string, unknown>;
    expect(status).toMatchObject({ sessionId: SESSION_ID, status: 'running', expiresAt: '2026-03-10T12:14:30.000Z', expiryReason: 'idle_timeout', warning });

    await waitFor(() => kinds().length >= 3, { what: 'more reports' });
    run.child.kill('SIGTERM');

    expect(await run.exited).toBe(0);
    // One warning hook for the one deadline, however many answers carried it; then the stop's.
    expect(readFileSync(hookLog, 'utf8').trim().split('\n')).toEqual(['warning', 'stop']);
    expect(JSON.parse(readFileSync(statusFile, 'utf8'))).toMatchObject({ status: 'stopping' });
    expect(run.output()).toContain('workload got SIGTERM');
    expect(kinds().at(-1)).toBe('disconnect');
  });

  it('SIGKILLs a workload that ignores SIGTERM within the stop timeout, and exits', async () => {
    await serve(() => withBusy({ timeouts: { ...sessionView().timeouts, stopTimeoutSeconds: 2 } }));
    const run = runAgent(['--', process.execPath, '-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1 << 30);'], {});
    await waitFor(() => kinds().length >= 2, { what: 'the agent to connect and report' });

    run.child.kill('SIGTERM');

    expect(await run.exited).toBe(128 + 9);
    expect(run.output()).toContain('SIGKILL');
  });

  it('refuses to start without its settings, in one clear line', async () => {
    const run = runAgent(['--', 'true'], { SESSION_ID: '', SESSION_API_URL: 'http://127.0.0.1:9' });

    expect(await run.exited).toBe(2);
    expect(run.output().trim()).toBe('session-agent: SESSION_ID must be set (the stack sets them for every session task)');
  });
});
