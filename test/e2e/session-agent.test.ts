// End to end on the local stack: every task runs under the session agent, which reads /proc for the
// task's process group and reports busy or ping. An unchanged CPU-burning command outlives its idle
// timeout (up to the max lifetime, or busy.maxSeconds); a sleeping one idles out on its first
// deadline; an agent that cannot read /proc keeps a session only for unknownGraceSeconds; the status
// file shows the warning before the stop; the agent's own connection never holds a session whose
// last client left past its disconnect grace.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SessionView } from '../../contract/wire';
import { SLEEPER_COMMAND, SLEEPER_PROFILE, type TestStack, bootLocalStack, testConfig } from '../support/local-stack';
import { pidExists, waitFor } from '../support/wait-for';

type SessionAnswer = { session: SessionView };

/** A plain CPU burner: no agent, no API, nothing but a busy loop (SIGTERM's default action ends it). */
const BURNER = ['node', '-e', 'for (;;);'];
const BUSY = { cpuPercent: 20, windowSeconds: 1, unknownGraceSeconds: 3 };

let env: TestStack;
let statusDir: string;

beforeAll(async () => {
  statusDir = mkdtempSync(join(tmpdir(), 'session-status-'));
  const base = testConfig().profiles[SLEEPER_PROFILE];
  env = await bootLocalStack({
    config: testConfig(
      {},
      {
        profiles: {
          // Active only for a second after the last interaction, so busy shows soon.
          burner: { ...base, busy: BUSY, activeWithinSeconds: 1, local: { command: BURNER } },
          'capped-burner': { ...base, busy: { ...BUSY, maxSeconds: 3 }, local: { command: BURNER } },
          'blind-burner': { ...base, busy: BUSY, local: { command: BURNER, env: { SESSION_AGENT_PROC_ROOT: join(statusDir, 'no-proc') } } },
          sleeper: { ...base, busy: BUSY, warnBeforeSeconds: 2, local: { command: SLEEPER_COMMAND, env: { SESSION_STATUS_FILE: join(statusDir, 'status.json') } } },
          graceful: { ...base, disconnectGraceSeconds: 2 },
        },
      },
    ),
  });
});

afterAll(async () => {
  await env?.cleanup();
  rmSync(statusDir, { recursive: true, force: true });
});

const create = async (profile: string, body: Record<string, unknown>): Promise<SessionView> => {
  const { status, body: answer } = await env.api<SessionAnswer>('POST', '/sessions', { token: await env.token('agent-user'), body: { profile, ...body } });
  expect(status).toBe(201);
  return answer.session;
};

const show = async (id: string): Promise<SessionView> => (await env.api<SessionAnswer>('GET', `/sessions/${id}`, { token: await env.token('agent-user') })).body.session;

const running = (id: string): Promise<SessionView> =>
  waitFor(async () => {
    const session = await show(id);
    return session.status === 'running' && session.startedAt !== undefined ? session : undefined;
  }, { timeoutMs: 5000, what: `session ${id} to run` });

/** Polls until the session ends, noting whether it was still running past `aliveAfterMs`. */
const watchUntilEnded = async (id: string, aliveAfterMs: number, timeoutMs: number) => {
  let aliveAfter = false;
  const levels = new Set<string>();
  const final = await waitFor(
    async () => {
      const session = await show(id);
      levels.add(session.activityLevel);
      if (session.status === 'running' && Date.now() > aliveAfterMs) aliveAfter = true;
      return session.status === 'stopped' || session.status === 'failed' ? session : undefined;
    },
    { timeoutMs, intervalMs: 200, what: `session ${id} to end` },
  );
  return { final, aliveAfter, levels };
};

describe('local stack: tasks under the session agent', () => {
  it('keeps a CPU-burning command alive past its idle timeout, shown busy, and ends it at its max lifetime', async () => {
    const created = await create('burner', { idleTimeoutSeconds: 2, maxLifetimeSeconds: 8 });
    const pid = await env.taskPid(created.id);
    const started = await running(created.id);

    const { final, aliveAfter, levels } = await watchUntilEnded(created.id, Date.parse(started.startedAt ?? '') + 4000, 15_000);

    expect(aliveAfter).toBe(true);
    expect(levels).toContain('busy');
    expect(final).toMatchObject({ status: 'stopped', endReason: 'max_lifetime' });
    await waitFor(() => !pidExists(pid), { timeoutMs: 10_000, what: 'the task to exit' });
  });

  it('stops counting an unbroken busy stretch after busy.maxSeconds: the runaway burner ends idle_timeout before its max lifetime', async () => {
    const created = await create('capped-burner', { idleTimeoutSeconds: 2, maxLifetimeSeconds: 60 });
    const started = await running(created.id);

    const { final, aliveAfter } = await watchUntilEnded(created.id, Date.parse(started.startedAt ?? '') + 3000, 20_000);

    expect(aliveAfter).toBe(true);
    expect(final).toMatchObject({ status: 'stopped', endReason: 'idle_timeout' });
  });

  it('lets a sleeping command of the same busy policy idle out at its first deadline, never busy', async () => {
    const created = await create('sleeper', { idleTimeoutSeconds: 3 });
    const started = await running(created.id);

    const { final, levels } = await watchUntilEnded(created.id, Number.POSITIVE_INFINITY, 10_000);

    expect(final).toMatchObject({ status: 'stopped', endReason: 'idle_timeout', lastActivityAt: started.lastActivityAt, expiresAt: started.expiresAt });
    expect(levels).not.toContain('busy');
  });

  it('stops keeping a session alive unknownGraceSeconds after the agent finds it cannot read /proc', async () => {
    const created = await create('blind-burner', { idleTimeoutSeconds: 2, maxLifetimeSeconds: 60 });
    const started = await running(created.id);

    // Busy while in grace (3 s from the first failed reading): past the first idle deadline; then idle.
    const { final, aliveAfter } = await watchUntilEnded(created.id, Date.parse(started.startedAt ?? '') + 3000, 20_000);

    expect(aliveAfter).toBe(true);
    expect(final).toMatchObject({ status: 'stopped', endReason: 'idle_timeout' });
  });

  it("ends a session its last client left once the disconnect grace is over, though the task's agent is still connected", async () => {
    const created = await create('graceful', { idleTimeoutSeconds: 60 });
    await running(created.id);
    const agentIn = await waitFor(async () => {
      const session = await show(created.id);
      return session.agentConnected ? session : undefined;
    }, { timeoutMs: 5000, what: 'the session agent to connect' });
    const report = async (kind: 'connect' | 'disconnect'): Promise<SessionView> =>
      (await env.api<SessionAnswer>('POST', `/sessions/${created.id}/activity`, { token: await env.token('agent-user'), body: { kind, connectionId: 'tab-1' } })).body.session;

    const connected = await report('connect');
    const left = await report('disconnect');
    const { final, levels } = await watchUntilEnded(created.id, Number.POSITIVE_INFINITY, 10_000);

    expect(agentIn.connections).toBe(0);
    expect(connected).toMatchObject({ connections: 1, agentConnected: true });
    expect(left).toMatchObject({ connections: 0, agentConnected: true, activityLevel: 'disconnected', expiryReason: 'disconnected' });
    expect(levels).toContain('disconnected');
    expect(final).toMatchObject({ status: 'stopped', endReason: 'disconnected' });
  });

  it('writes the warning to the status file before the stop', async () => {
    const path = join(statusDir, 'status.json');
    const created = await create('sleeper', { idleTimeoutSeconds: 4 });

    const warned = await waitFor(
      () => {
        if (!existsSync(path)) return undefined;
        const status = JSON.parse(readFileSync(path, 'utf8')) as { sessionId: string; status: string; warning?: { reason: string; at: string } };
        return status.sessionId === created.id && status.warning !== undefined ? status : undefined;
      },
      { timeoutMs: 8000, what: 'the warning in the status file' },
    );
    const { final } = await watchUntilEnded(created.id, Number.POSITIVE_INFINITY, 10_000);

    expect(warned).toMatchObject({ status: 'running', warning: { reason: 'idle_timeout', at: final.expiresAt } });
    expect(final.endReason).toBe('idle_timeout');
    await waitFor(() => (JSON.parse(readFileSync(path, 'utf8')) as { status: string }).status === 'stopping', { what: 'the status file to say stopping' });
  });
});
