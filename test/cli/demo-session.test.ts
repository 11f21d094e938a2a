// The bundled demo session program, run as the local stack runs it (a child process with the
// session env), against a fake API: it connects under a connection id of its own, pings naming it,
// never fakes interaction, never reports sooner than an answer's nextReportInSeconds, survives
// network errors and leaves promptly with exit code 0 on SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { listenOnFreePort } from '../support/listen';
import { SESSION_ID } from '../support/session-fixture';
import { waitFor } from '../support/wait-for';
import { type FakeApi, type Reply, closedPortUrl, sessionView, startFakeApi } from './fake-api';

const DEMO = fileURLToPath(new URL('../../bin/demo-session.mjs', import.meta.url));

let api: FakeApi | undefined;
let child: ChildProcess | undefined;
let output = '';

afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  output = '';
  await api?.close();
  api = undefined;
});

const startDemo = (env: Record<string, string>): ChildProcess => {
  const { SESSION_API_URL: _inherited, ...parentEnv } = process.env;
  child = spawn(process.execPath, [DEMO], { env: { ...parentEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return child;
};

/** Polls `condition` every 20 ms for up to 8 s; the error shows the program's output so far. */
const waitForDemo = (condition: () => boolean, what: string): Promise<unknown> =>
  waitFor(condition, { what: () => `${what}; output so far:\n${output}`, timeoutMs: 8000, intervalMs: 20 });

/** Sends SIGTERM and resolves with the exit code and how long the exit took. */
const terminate = async (proc: ChildProcess): Promise<{ code: number | null; elapsedMs: number }> => {
  const started = Date.now();
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  proc.kill('SIGTERM');
  const code = await exited;
  return { code, elapsedMs: Date.now() - started };
};

const kindsSent = (): string[] =>
  (api?.requests ?? []).map((request) => (request.body as { kind?: string } | undefined)?.kind ?? '?');

/** The fake API's answers, with when each request arrived. */
const answering = (body: unknown): { arrivals: number[]; answer: () => Reply } => {
  const arrivals: number[] = [];
  return {
    arrivals,
    answer: () => {
      arrivals.push(Date.now());
      return { status: 200, body };
    },
  };
};

describe('demo session program', () => {
  it('connects once, then pings with its activity token, never sends interaction, and disconnects on SIGTERM', async () => {
    // Arrange
    api = await startFakeApi(() => ({ status: 200, body: { session: sessionView() } }));
    const proc = startDemo({
      SESSION_ID,
      SESSION_ACTIVITY_TOKEN: 'act-tok',
      SESSION_API_URL: api.url,
      DEMO_PING_SECONDS: '1',
    });

    // Act
    await waitForDemo(() => kindsSent().filter((kind) => kind === 'ping').length >= 2, 'two pings');
    const { code, elapsedMs } = await terminate(proc);

    // Assert
    expect(code).toBe(0);
    expect(elapsedMs).toBeLessThan(3000);
    const kinds = kindsSent();
    expect(kinds[0]).toBe('connect');
    expect(kinds.filter((kind) => kind === 'connect')).toHaveLength(1);
    expect(kinds.at(-1)).toBe('disconnect');
    expect(kinds).not.toContain('interaction');
    for (const request of api.requests) {
      expect(request.method).toBe('POST');
      expect(request.path).toBe(`/sessions/${SESSION_ID}/activity`);
      expect(request.headers['x-session-token']).toBe('act-tok');
      expect(request.headers.authorization).toBeUndefined();
    }
    expect(output).toMatch(/connect -> 200/);
  });

  it('names one connection id of its own in every report, connect to disconnect', async () => {
    api = await startFakeApi(() => ({ status: 200, body: { session: sessionView(), nextReportInSeconds: 1 } }));
    const proc = startDemo({ SESSION_ID, SESSION_ACTIVITY_TOKEN: 'act-tok', SESSION_API_URL: api.url, DEMO_PING_SECONDS: '1' });

    await waitForDemo(() => kindsSent().includes('ping'), 'a ping');
    await terminate(proc);

    const ids = api.requests.map((request) => (request.body as { connectionId?: string }).connectionId);
    expect(ids[0]).toMatch(/^demo-[0-9a-f]{12}$/);
    expect(new Set(ids)).toEqual(new Set([ids[0]]));
    expect(kindsSent().at(-1)).toBe('disconnect');
  });

  it('prints the warning once, the first time an answer carries it, with the call that snoozes it', async () => {
    // The connect answer has no warning; every later answer warns about the same deadline.
    const warning = { at: '2026-03-10T12:30:00.000Z', reason: 'idle_timeout' as const, secondsLeft: 240, extendRoute: `POST /sessions/${SESSION_ID}/extend` };
    api = await startFakeApi((request) => ({
      status: 200,
      body: { session: sessionView((request.body as { kind?: string }).kind === 'connect' ? {} : { warning }), nextReportInSeconds: 1 },
    }));
    const proc = startDemo({ SESSION_ID, SESSION_ACTIVITY_TOKEN: 'act-tok', SESSION_API_URL: api.url, DEMO_PING_SECONDS: '1' });

    await waitForDemo(() => kindsSent().filter((kind) => kind === 'ping').length >= 3, 'three pings');
    await terminate(proc);

    const printed = output.split('\n').filter((line) => line.includes('warning:'));
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain(`session ends at 2026-03-10T12:30:00.000Z (idle_timeout, in 240s); to keep it: POST /sessions/${SESSION_ID}/extend`);
    // It came with the first ping's answer, not before.
    expect(output.indexOf('warning:')).toBeGreaterThan(output.indexOf('ping -> 200'));
  });

  it('never reports sooner than the last answer said would matter', async () => {
    const { arrivals, answer } = answering({ session: sessionView(), nextReportInSeconds: 2 });
    api = await startFakeApi(answer);
    const proc = startDemo({ SESSION_ID, SESSION_ACTIVITY_TOKEN: 'act-tok', SESSION_API_URL: api.url, DEMO_PING_SECONDS: '1' });

    await waitForDemo(() => kindsSent().filter((kind) => kind === 'ping').length >= 2, 'two pings');
    await terminate(proc);

    // connect, ping, ping: each at least the 2 s told after the one before (timers may fire a little early).
    const gaps = arrivals.slice(1, 3).map((at, i) => at - (arrivals[i] ?? at));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1950);
  });

  it('reports at least every half idle timeout, however long its ping interval, so its connection id stays fresh', async () => {
    const timeouts = { ...sessionView().timeouts, idleTimeoutSeconds: 2 };
    api = await startFakeApi(() => ({ status: 200, body: { session: sessionView({ timeouts }), nextReportInSeconds: 1 } }));
    const proc = startDemo({ SESSION_ID, SESSION_ACTIVITY_TOKEN: 'act-tok', SESSION_API_URL: api.url, DEMO_PING_SECONDS: '30' });

    await waitForDemo(() => kindsSent().filter((kind) => kind === 'ping').length >= 2, 'two pings within seconds, not 30 s apart');
    const { code } = await terminate(proc);

    expect(code).toBe(0);
  });

  it('keeps running through network errors and retries connect at the next ping', async () => {
    const proc = startDemo({
      SESSION_ID,
      SESSION_ACTIVITY_TOKEN: 'act-tok',
      SESSION_API_URL: await closedPortUrl(),
      DEMO_PING_SECONDS: '1',
    });

    await waitForDemo(() => (output.match(/connect failed/g) ?? []).length >= 2, 'two failed connects');
    const { code } = await terminate(proc);

    expect(code).toBe(0);
  });

  it('idles without SESSION_API_URL until signalled, then exits 0', async () => {
    const proc = startDemo({ SESSION_ID, SESSION_ACTIVITY_TOKEN: 'act-tok' });

    await waitForDemo(() => output.includes('idling'), 'the idle notice');
    const { code, elapsedMs } = await terminate(proc);

    expect(code).toBe(0);
    expect(elapsedMs).toBeLessThan(3000);
  });

  it('exits within its ~1 s budget on SIGTERM even when the API never answers the disconnect', async () => {
    const api = await startServerIgnoringDisconnect();
    try {
      const proc = startDemo({ SESSION_ID, SESSION_ACTIVITY_TOKEN: 'act-tok', SESSION_API_URL: api.url, DEMO_PING_SECONDS: '30' });
      await waitForDemo(() => output.includes('connect -> 200'), 'the connect');

      const { code, elapsedMs } = await terminate(proc);

      expect(code).toBe(0);
      expect(api.disconnectsSeen()).toBe(1);
      expect(elapsedMs).toBeLessThan(2500);
    } finally {
      await api.close();
    }
  });
});

/** An API that acknowledges connect and ping but never answers a disconnect. */
const startServerIgnoringDisconnect = async (): Promise<{
  url: string;
  disconnectsSeen: () => number;
  close: () => Promise<void>;
}> => {
  let disconnects = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (body.includes('"disconnect"')) {
        disconnects += 1;
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ session: sessionView() }));
    });
  });
  const { url, close } = await listenOnFreePort(server);
  return { url, disconnectsSeen: () => disconnects, close };
};
