// End to end: the local stack is stopped while a session runs and started again after its deadline.
// Nothing is lost: the task kept running, is adopted, and the session ends promptly for its reason.
import { afterEach, describe, expect, it } from 'vitest';
import { type SessionView } from '../../contract/wire';
import { SLEEPER_PROFILE, type TestStack, bootLocalStack } from '../support/local-stack';
import { pidExists, waitFor } from '../support/wait-for';

type SessionAnswer = { session: SessionView };

let env: TestStack | undefined;

afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

describe('local stack restart', () => {
  it('ends a session whose deadline passed while the stack was down, with idle_timeout', async () => {
    env = await bootLocalStack();
    const token = await env.token('sleepy');
    const { body } = await env.api<SessionAnswer>('POST', '/sessions', { token, body: { profile: SLEEPER_PROFILE, idleTimeoutSeconds: 3 } });
    const pid = await env.taskPid(body.session.id);
    // The idle clock starts when the task is RUNNING (the create's answer, queued, shows only the max lifetime).
    const running = await waitFor(
      async () => {
        const { body: answer } = await env!.api<SessionAnswer>('GET', `/sessions/${body.session.id}`, { token });
        return answer.session.status === 'running' ? answer.session : undefined;
      },
      { timeoutMs: 10_000, what: 'running' },
    );
    const deadline = Date.parse(running.expiresAt);

    await env.stop();
    await waitFor(() => Date.now() > deadline + 500, { timeoutMs: 5000, what: 'the deadline to pass' });
    expect(pidExists(pid)).toBe(true); // tasks outlive the stack
    await env.restart();

    const final = await waitFor(
      async () => {
        const { body: answer } = await env!.api<SessionAnswer>('GET', `/sessions/${body.session.id}`, { token });
        return answer.session.status === 'stopped' ? answer.session : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'the overdue session to end after the restart' },
    );
    expect(final).toMatchObject({ status: 'stopped', endReason: 'idle_timeout' });
    await waitFor(() => !pidExists(pid), { timeoutMs: 10_000, what: 'the adopted task to exit' });
  });

  it('adopts a task that is still in time and keeps reporting on it', async () => {
    env = await bootLocalStack();
    const token = await env.token('steady');
    const { body } = await env.api<SessionAnswer>('POST', '/sessions', { token, body: { profile: SLEEPER_PROFILE } });
    const pid = await env.taskPid(body.session.id);
    await waitFor(async () => (await env!.api<SessionAnswer>('GET', `/sessions/${body.session.id}`, { token })).body.session.status === 'running', {
      timeoutMs: 10_000,
      what: 'running',
    });

    await env.restart();
    const after = await env.api<SessionAnswer>('GET', `/sessions/${body.session.id}`, { token });
    process.kill(pid, 'SIGKILL');

    expect(after.body.session.status).toBe('running');
    const final = await waitFor(
      async () => {
        const { body: answer } = await env!.api<SessionAnswer>('GET', `/sessions/${body.session.id}`, { token });
        return answer.session.status === 'stopped' ? answer.session : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'the adopted task exit to be reported' },
    );
    expect(final.endReason).toBe('task_exited');
  });
});
