// End to end on the local stack: real HTTP, dynalite, timers and processes. Each session ends for
// one reason, and its process is really gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SessionView } from '../../contract/wire';
import { SLEEPER_PROFILE, type TestStack, bootLocalStack } from '../support/local-stack';
import { pidExists, waitFor } from '../support/wait-for';

type SessionAnswer = { session: SessionView; activityToken?: string };

let env: TestStack;

beforeAll(async () => {
  env = await bootLocalStack();
});

afterAll(async () => {
  await env?.cleanup();
});

const create = async (owner: string, body: Record<string, unknown>): Promise<SessionAnswer> => {
  const { status, body: answer } = await env.api<SessionAnswer>('POST', '/sessions', {
    token: await env.token(owner),
    body: { profile: SLEEPER_PROFILE, ...body },
  });
  expect(status).toBe(201);
  return answer;
};

const show = async (owner: string, id: string): Promise<SessionView> =>
  (await env.api<SessionAnswer>('GET', `/sessions/${id}`, { token: await env.token(owner) })).body.session;

const ended = (owner: string, id: string, timeoutMs: number): Promise<SessionView> =>
  waitFor(
    async () => {
      const session = await show(owner, id);
      return session.status === 'stopped' || session.status === 'failed' ? session : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `session ${id} to end` },
  );

describe('local stack: a session', () => {
  it('ends with idle_timeout when nobody uses it, and its process is gone', async () => {
    const { session } = await create('idle-user', { idleTimeoutSeconds: 2 });
    const pid = await env.taskPid(session.id);
    expect(pidExists(pid)).toBe(true);

    const final = await ended('idle-user', session.id, 6000);

    expect(final).toMatchObject({ status: 'stopped', endReason: 'idle_timeout' });
    await waitFor(() => !pidExists(pid), { timeoutMs: 10_000, what: 'the task process to exit' });
  });

  it('is kept alive past its idle timeout by interaction, and still ends at its max lifetime', async () => {
    const owner = 'busy-user';
    const token = await env.token(owner);
    const { session } = await create(owner, { idleTimeoutSeconds: 2, maxLifetimeSeconds: 5 });
    const pid = await env.taskPid(session.id);
    const idleDeadline = Date.parse(session.createdAt) + 2000;

    // Interact every 1.2 s (interactions closer than 1 s are acknowledged without a write).
    let aliveAfterIdleDeadline = false;
    const final = await waitFor(
      async () => {
        const { body } = await env.api<SessionAnswer>('POST', `/sessions/${session.id}/activity`, { token, body: { kind: 'interaction' } });
        const current = body.session ?? (await show(owner, session.id));
        if (current.status === 'running' && Date.now() > idleDeadline + 1000) aliveAfterIdleDeadline = true;
        return current.status === 'stopped' ? current : undefined;
      },
      { timeoutMs: 9000, intervalMs: 1200, what: 'the session to reach its max lifetime' },
    );

    expect(aliveAfterIdleDeadline).toBe(true);
    expect(final).toMatchObject({ status: 'stopped', endReason: 'max_lifetime' });
    await waitFor(() => !pidExists(pid), { timeoutMs: 10_000, what: 'the task process to exit' });
  });

  it('stops at once on DELETE with user_request; a second DELETE answers 200 with the ended session', async () => {
    const owner = 'quitter';
    const token = await env.token(owner);
    const { session } = await create(owner, {});
    const pid = await env.taskPid(session.id);

    const first = await env.api<SessionAnswer>('DELETE', `/sessions/${session.id}`, { token });

    expect(first.status).toBe(202);
    expect(['stopping', 'stopped']).toContain(first.body.session.status);
    await waitFor(() => !pidExists(pid), { timeoutMs: 10_000, what: 'the task process to exit' });
    expect(await ended(owner, session.id, 3000)).toMatchObject({ status: 'stopped', endReason: 'user_request' });

    const second = await env.api<SessionAnswer>('DELETE', `/sessions/${session.id}`, { token });

    expect(second.status).toBe(200);
    expect(second.body.session).toMatchObject({ id: session.id, status: 'stopped', endReason: 'user_request' });
  });

  it('ends with task_exited when its process is killed from outside', async () => {
    const { session } = await create('crashy', {});
    const pid = await env.taskPid(session.id);
    await waitFor(async () => (await show('crashy', session.id)).status === 'running', { timeoutMs: 10_000, what: 'running' });

    process.kill(pid, 'SIGKILL');

    expect(await ended('crashy', session.id, 3000)).toMatchObject({ status: 'stopped', endReason: 'task_exited' });
  });
});
