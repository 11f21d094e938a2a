// End to end: the local stack runs the deployed async handlers, with their runner's rules. A
// retryable failure of the expire handler is retried as Lambda retries an async invocation, and the
// session still stops for its reason; a lost race is a no-op that is not retried (the sweep then
// finds the session overdue, as on AWS).
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, UnavailableError } from '../../lambdas/domain/errors';
import { type SessionView } from '../../contract/wire';
import { type HandlerDeps } from '../../lambdas/handlers/handler-setup';
import { type SessionStore } from '../../lambdas/ports/session-store';
import { SLEEPER_PROFILE, type TestStack, bootLocalStack } from '../support/local-stack';
import { pidExists, waitFor } from '../support/wait-for';

type SessionAnswer = { session: SessionView };

/** Dependencies whose store fails the first write to `stopping` with `error` (and counts it). */
const failFirstStop = (error: Error) => {
  const fault = { hits: 0 };
  const decorate = (deps: HandlerDeps): HandlerDeps => {
    const store = deps.store;
    const update: SessionStore['update'] = (id, patch, expectation) => {
      if (patch.status === 'stopping' && fault.hits === 0) {
        fault.hits += 1;
        return Promise.reject(error);
      }
      return store.update(id, patch, expectation);
    };
    const faulty = new Proxy(store, {
      get: (target, property) => {
        if (property === 'update') return update;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    return { ...deps, store: faulty };
  };
  return { fault, decorate };
};

let env: TestStack | undefined;

afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

/** Starts a session that idles out after 2 s and waits until its task runs. */
const idleSession = async (stack: TestStack): Promise<{ id: string; pid: number }> => {
  const { status, body } = await stack.api<SessionAnswer>('POST', '/sessions', { body: { profile: SLEEPER_PROFILE, idleTimeoutSeconds: 2 } });
  expect(status).toBe(201);
  const id = body.session.id;
  const pid = await stack.taskPid(id);
  await waitFor(async () => (await stack.api<SessionAnswer>('GET', `/sessions/${id}`)).body.session.status === 'running', {
    timeoutMs: 10_000,
    what: 'the session to run',
  });
  return { id, pid };
};

const linesWith = (stack: TestStack, text: string): string[] => stack.logs.filter((line) => line.includes(text));

describe('local stack: async handlers', () => {
  it('retries an expire invocation that failed with a retryable error, and the session still stops for its reason', async () => {
    const { fault, decorate } = failFirstStop(new UnavailableError('DynamoDB is throttling'));
    // No periodic sweep: only the expire handler can stop the session.
    env = await bootLocalStack({ sweepIntervalSeconds: 3600, logLevel: 'debug', decorateDeps: decorate });
    const stack = env;
    const { id, pid } = await idleSession(stack);

    const final = await waitFor(
      async () => {
        const { session } = (await stack.api<SessionAnswer>('GET', `/sessions/${id}`)).body;
        return session.status === 'stopped' ? session : undefined;
      },
      { timeoutMs: 8000, intervalMs: 100, what: 'the session to stop after the retried fire' },
    );

    expect(final).toMatchObject({ status: 'stopped', endReason: 'idle_timeout' });
    expect(fault.hits).toBe(1);
    // The handler's runner rethrew (so it would be retried on AWS), the local invoker retried once.
    expect(linesWith(stack, 'expiry fire failed; it will be retried')).toHaveLength(1);
    expect(linesWith(stack, 'expire invocation failed; retrying')).toHaveLength(1);
    expect(linesWith(stack, 'expiry fire handled').filter((line) => line.includes('outcome=stopping'))).toHaveLength(1);
    await waitFor(() => !pidExists(pid), { timeoutMs: 10_000, what: 'the task process to exit' });
  });

  it('treats a lost race in the expire handler as a no-op, not retried; the sweep then stops the overdue session', async () => {
    const { fault, decorate } = failFirstStop(new ConflictError('another actor changed the session first'));
    env = await bootLocalStack({ sweepIntervalSeconds: 3600, logLevel: 'debug', decorateDeps: decorate });
    const stack = env;
    const { id } = await idleSession(stack);

    await waitFor(() => linesWith(stack, 'expiry fire lost a race; nothing to do').length > 0, {
      // The fire comes 2 s after the start; the rest is room for a machine busy with the whole suite.
      timeoutMs: 10_000,
      what: 'the expire handler to lose its race',
    });

    expect(fault.hits).toBe(1);
    expect(linesWith(stack, 'expire invocation failed')).toEqual([]);
    expect((await stack.api<SessionAnswer>('GET', `/sessions/${id}`)).body.session.status).toBe('running');

    const report = await stack.stack.sweepNow();

    expect(report.expired.map((item) => item.sessionId)).toEqual([id]);
    await waitFor(
      async () => {
        const { session } = (await stack.api<SessionAnswer>('GET', `/sessions/${id}`)).body;
        return session.status === 'stopped' && session.endReason === 'idle_timeout';
      },
      { timeoutMs: 5000, intervalMs: 100, what: 'the sweep to stop the overdue session' },
    );
  });
});
