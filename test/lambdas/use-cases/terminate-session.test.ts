import { beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, UnavailableError } from '../../../lambdas/domain/errors';
import { iso } from '../../../lambdas/domain/session';
import { sweep } from '../../../lambdas/use-cases/sweep';
import { terminateSession } from '../../../lambdas/use-cases/terminate-session';
import { type FakeDeps, MINUTE, SECOND, T0, makeDeps } from '../../support/fakes';
import { sessionFixture } from '../../support/session-fixture';
import { caught } from '../../support/thrown';
import { OWNER, runningSession, taskStopped } from './steps';

const asOwner = { ownerId: OWNER, isAdmin: false };

describe('terminateSession', () => {
  let d: FakeDeps;
  beforeEach(() => {
    d = makeDeps();
  });

  describe('primary course', () => {
    it('the owner stops a running session: stopping, one StopTask, schedule disarmed; the STOPPED event ends it', async () => {
      const started = await runningSession(d);
      const { session, taskArn } = started;

      const result = await terminateSession(d, { id: session.id, caller: asOwner });

      expect(result.initiated).toBe(true);
      expect(result.session).toMatchObject({ status: 'stopping', endReason: 'user_request', stopRequestedAt: iso(T0) });
      expect(d.tasks.stopCalls).toEqual([{ taskArn, reason: 'session-expiry: user_request' }]);
      expect(d.scheduler.disarmCalls).toEqual([`${session.id}-1`]);
      expect(d.scheduler.armed.size).toBe(0);

      d.clock.advance(MINUTE);
      await taskStopped(d, started);

      expect(d.store.peek(session.id)).toMatchObject({ status: 'stopped', endReason: 'user_request', endedAt: iso(T0 + MINUTE) });
      expect(d.events.ofType('Session Ended')).toEqual([
        { type: 'Session Ended', detail: { sessionId: session.id, ownerId: OWNER, reason: 'user_request', endedAt: iso(T0 + MINUTE) } },
      ]);
      expect(d.metrics.total('SessionsEnded', { Reason: 'user_request' })).toBe(1);
    });

    it("an admin stops someone else's session as admin_request", async () => {
      const { session } = await runningSession(d);

      const result = await terminateSession(d, { id: session.id, caller: { ownerId: 'root', isAdmin: true } });

      expect(result).toMatchObject({ initiated: true, session: { status: 'stopping', endReason: 'admin_request' } });
    });

    it('an admin stopping their own session is a user request', async () => {
      const { session } = await runningSession(d);

      const result = await terminateSession(d, { id: session.id, caller: { ownerId: OWNER, isAdmin: true } });

      expect(result.session.endReason).toBe('user_request');
    });
  });

  describe('errors and repeats', () => {
    it('another user is told the session does not exist, and nothing changes', async () => {
      const { session } = await runningSession(d);

      await expect(terminateSession(d, { id: session.id, caller: { ownerId: 'mallory', isAdmin: false } })).rejects.toBeInstanceOf(NotFoundError);
      expect(d.store.peek(session.id)).toEqual(session);
      expect(d.tasks.stopCalls).toEqual([]);
    });

    it('a missing session is not found', async () => {
      await expect(terminateSession(d, { id: 'nope', caller: asOwner })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('terminating again is answered with the session, not initiated, without another StopTask', async () => {
      const { session } = await runningSession(d);
      await terminateSession(d, { id: session.id, caller: asOwner });

      const again = await terminateSession(d, { id: session.id, caller: asOwner });

      expect(again).toMatchObject({ initiated: false, session: { status: 'stopping' } });
      expect(d.tasks.stopCalls).toHaveLength(1);
    });

    it('two terminates at once: one StopTask, one initiated', async () => {
      const { session } = await runningSession(d);

      const results = await Promise.all([
        terminateSession(d, { id: session.id, caller: asOwner }),
        terminateSession(d, { id: session.id, caller: { ownerId: 'root', isAdmin: true } }),
      ]);

      expect(results.map((r) => r.initiated).sort()).toEqual([false, true]);
      expect(d.tasks.stopCalls).toHaveLength(1);
      expect(results.every((r) => r.session.status === 'stopping')).toBe(true);
    });

    it('a session that never got a task is stopped at once', async () => {
      // As create leaves the record between writing it and RunTask answering.
      const session = d.store.seed(sessionFixture({ ownerId: OWNER, status: 'starting' }));

      const result = await terminateSession(d, { id: session.id, caller: asOwner });

      expect(result).toMatchObject({ initiated: true, session: { status: 'stopped', endReason: 'user_request' } });
      expect(d.tasks.stopCalls).toEqual([]);
      expect(d.events.ofType('Session Ended')).toHaveLength(1);
    });
  });

  describe('when StopTask is throttled', () => {
    it('the error propagates, and the client retrying the DELETE sends the stop again', async () => {
      const started = await runningSession(d);
      d.tasks.failures.failNext('stop', new UnavailableError('throttled'));

      const error = await caught(terminateSession(d, { id: started.session.id, caller: asOwner }));
      expect(error).toBeInstanceOf(UnavailableError);
      expect(d.store.peek(started.session.id)).toMatchObject({ status: 'stopping', endReason: 'user_request' });

      d.clock.advance(SECOND);
      const again = await terminateSession(d, { id: started.session.id, caller: asOwner });

      expect(again).toMatchObject({ initiated: true, session: { status: 'stopping', endReason: 'user_request' } });
      expect(d.tasks.stopCalls.map((c) => c.reason)).toEqual(['session-expiry: user_request', 'session-expiry: user_request']);
      expect(d.tasks.taskOf(started.session.id)?.lastStatus).toBe('STOPPED');
      // Once ECS has taken the stop, another DELETE is answered without one more.
      await expect(terminateSession(d, { id: started.session.id, caller: asOwner })).resolves.toMatchObject({ initiated: false });
      expect(d.tasks.stopCalls).toHaveLength(2);
      await taskStopped(d, started);
      expect(d.store.peek(started.session.id)).toMatchObject({ status: 'stopped', endReason: 'user_request' });
    });

    it('a stop still in flight is not doubled by a second DELETE; one nobody confirmed for a minute is sent again', async () => {
      // As the winner leaves the record while its StopTask is under way (or after it died in it).
      const session = d.store.seed(
        sessionFixture({ ownerId: OWNER, status: 'stopping', endReason: 'user_request', stopRequestedAt: iso(d.clock.now()), taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/sessions/inflight' }),
      );

      await expect(terminateSession(d, { id: session.id, caller: asOwner })).resolves.toMatchObject({ initiated: false });
      expect(d.tasks.stopCalls).toEqual([]);

      d.clock.advance(61 * SECOND);
      await expect(terminateSession(d, { id: session.id, caller: asOwner })).resolves.toMatchObject({ initiated: true });
      expect(d.tasks.stopCalls).toEqual([{ taskArn: session.taskArn, reason: 'session-expiry: user_request' }]);
    });

    it('the error propagates, the session stays stopping, and the next sweep finishes the stop', async () => {
      const started = await runningSession(d);
      d.tasks.failures.failNext('stop', new UnavailableError('throttled'));

      const error = await caught(terminateSession(d, { id: started.session.id, caller: asOwner }));

      expect(error).toBeInstanceOf(UnavailableError);
      expect(d.store.peek(started.session.id)).toMatchObject({ status: 'stopping', endReason: 'user_request' });
      expect(d.tasks.taskOf(started.session.id)?.lastStatus).toBe('RUNNING');

      // The failed stop is sent again at once, not only after the stop timeout and its grace.
      d.clock.advance(SECOND);
      const first = await sweep(d, { dryRun: false });
      expect(first.stuck).toEqual([{ sessionId: started.session.id, taskId: expect.any(String) as string, action: 'stop_again' }]);
      expect(d.tasks.taskOf(started.session.id)?.lastStatus).toBe('STOPPED');

      const second = await sweep(d, { dryRun: false });
      expect(second.stuck).toMatchObject([{ sessionId: started.session.id, action: 'mark_stopped' }]);
      expect(d.store.peek(started.session.id)).toMatchObject({ status: 'stopped', endReason: 'user_request' });
    });
  });
});
