// The expire handler (target of each session's one-time schedule): expected outcomes return, a
// failure a retry may fix throws (so Scheduler retries and then dead-letters), a malformed payload
// is dropped.
import { beforeEach, describe, expect, it } from 'vitest';
import { UnauthorizedError, UnavailableError } from '../../../lambdas/domain/errors';
import { ms } from '../../../lambdas/domain/session';
import { handler, makeExpireHandler } from '../../../lambdas/handlers/expire';
import { createSession } from '../../../lambdas/use-cases/create-session';
import { type FakeDeps, RecordingLog, TEST_TASK_MARKER, makeDeps, throttled } from '../../support/fakes';
import { lambdaContext } from '../../support/apigw-events';
import { captureOutput, logLines } from '../../support/captured-output';
import { injectFakeDeps } from './fake-handler-deps';

let deps: FakeDeps;
let output: string[];

beforeEach(() => {
  deps = injectFakeDeps();
  output = [];
});

const invoke = (payload: unknown) => captureOutput(output, () => handler(payload, lambdaContext('session-expiry-expire')));

const overdueSession = async () => {
  const { session } = await createSession(deps, { ownerId: 'user-1', profile: 'notebook' });
  deps.clock.set(ms(session.expiresAt) + 1000);
  return session;
};

describe('expire handler', () => {
  it('stops a session whose deadline has come', async () => {
    const session = await overdueSession();

    const result = await invoke({ sessionId: session.id, scheduleName: session.scheduleName });

    expect(result).toEqual({ outcome: 'stopping' });
    expect(deps.store.peek(session.id).status).toBe('stopping');
    expect(deps.tasks.stopCalls).toHaveLength(1);
  });

  it('returns normally on a stale fire and changes nothing', async () => {
    const session = await overdueSession();

    const result = await invoke({ sessionId: session.id, scheduleName: `${session.id}-99` });

    expect(result).toEqual({ outcome: 'stale' });
    expect(deps.store.peek(session.id).status).toBe('starting');
  });

  it('returns normally for a session that no longer exists', async () => {
    const result = await invoke({ sessionId: '7d0f3c2e-5b1a-4c8e-9f00-1234567890ab', scheduleName: '7d0f3c2e-5b1a-4c8e-9f00-1234567890ab-1' });

    expect(result).toEqual({ outcome: 'missing' });
  });

  it.each([
    ['no scheduleName', { sessionId: '7d0f3c2e-5b1a-4c8e-9f00-1234567890ab' }],
    ['a session id that is not a UUID', { sessionId: 'x', scheduleName: 'x-1' }],
    ['nothing at all', null],
  ])('drops a payload with %s, logging why', async (_, payload) => {
    const result = await invoke(payload);

    expect(result).toEqual({ outcome: 'dropped' });
    expect(logLines(output).some((l) => l['message'] === 'malformed expiry fire dropped')).toBe(true);
  });

  it('throws when the store is unavailable, so the fire is retried', async () => {
    const session = await overdueSession();
    deps.store.failures.failNext('get', new UnavailableError('DynamoDB is throttling'));

    await expect(invoke({ sessionId: session.id, scheduleName: session.scheduleName })).rejects.toThrow(UnavailableError);
  });

  it('throws when StopTask fails, so the fire is retried, and the retry stops the task', async () => {
    const session = await overdueSession();
    deps.tasks.failures.failNext('stop', throttled());
    const fire = { sessionId: session.id, scheduleName: session.scheduleName };

    await expect(invoke(fire)).rejects.toThrow('Rate exceeded');
    expect(logLines(output).some((l) => l['message'] === 'expiry fire failed; it will be retried')).toBe(true);

    await expect(invoke(fire)).resolves.toEqual({ outcome: 'stop_resent' });
    expect(deps.tasks.taskOf(session.id)?.lastStatus).toBe('STOPPED');
  });

  it('made by its factory, runs on the dependencies and log it is given (as the local stack makes it)', async () => {
    const own = makeDeps();
    const log = new RecordingLog();
    const jwtVerifier = { verify: () => Promise.reject(new UnauthorizedError('no tokens in this test')) };
    const made = makeExpireHandler({ deps: () => ({ ...own, jwtVerifier, adminGroup: 'admins', taskMarker: TEST_TASK_MARKER }), log });
    const { session } = await createSession(own, { ownerId: 'user-1', profile: 'notebook' });
    own.clock.set(ms(session.expiresAt) + 1000);

    const result = await captureOutput(output, () => made({ sessionId: session.id, scheduleName: session.scheduleName }, lambdaContext('local-expire')));

    expect(result).toEqual({ outcome: 'stopping' });
    expect(own.store.peek(session.id).status).toBe('stopping');
    expect(log.at('info')).toContain('expiry fire handled');
    expect(logLines(output).some((l) => l['message'] === 'expiry fire handled')).toBe(false);
  });
});
