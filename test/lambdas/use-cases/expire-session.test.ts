import { beforeEach, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../../lambdas/domain/errors';
import { iso } from '../../../lambdas/domain/session';
import { expireSession } from '../../../lambdas/use-cases/expire-session';
import { extendSession } from '../../../lambdas/use-cases/extend-session';
import { recordHeartbeat } from '../../../lambdas/use-cases/record-heartbeat';
import { type FakeDeps, MINUTE, SECOND, T0, makeDeps, throttled } from '../../support/fakes';
import { caught } from '../../support/thrown';
import { OWNER, passDeadline, runningSession, taskStopped } from './steps';

const owner = { type: 'owner', ownerId: OWNER } as const;

describe('expireSession', () => {
  let d: FakeDeps;
  beforeEach(() => {
    d = makeDeps();
  });

  describe('the deadline has come', () => {
    it('stops the session for the reason that bound; its STOPPED event ends it', async () => {
      const started = await runningSession(d);
      const { session, taskArn } = started;
      passDeadline(d, session.id, 800);

      const result = await expireSession(d, d.scheduler.fire(`${session.id}-1`));

      expect(result.outcome).toBe('stopping');
      expect(d.store.peek(session.id)).toMatchObject({ status: 'stopping', endReason: 'idle_timeout', stopRequestedAt: iso(T0 + 30 * MINUTE + 800) });
      expect(d.tasks.stopCalls).toEqual([{ taskArn, reason: 'session-expiry: idle_timeout' }]);
      expect(d.metrics.values('ExpiryLagMs')).toEqual([800]);
      // The firing schedule deletes itself: no disarm call.
      expect(d.scheduler.disarmCalls).toEqual([]);

      await taskStopped(d, started);

      expect(d.store.peek(session.id)).toMatchObject({ status: 'stopped', endReason: 'idle_timeout' });
      expect(d.metrics.total('SessionsEnded', { Reason: 'idle_timeout' })).toBe(1);
    });

    it('ends with max_lifetime when the hard cap binds, however active the session', async () => {
      const { session } = await runningSession(d, { maxLifetimeSeconds: 600, idleTimeoutSeconds: 600 });
      for (let i = 0; i < 4; i++) {
        d.clock.advance(2 * MINUTE);
        await recordHeartbeat(d, { id: session.id, kind: 'interaction', auth: owner });
      }
      passDeadline(d, session.id);

      const result = await expireSession(d, { sessionId: session.id, scheduleName: `${session.id}-1` });

      expect(result.outcome).toBe('stopping');
      expect(d.store.peek(session.id).endReason).toBe('max_lifetime');
    });

    it('a fire delivered twice stops the task once', async () => {
      const { session } = await runningSession(d);
      passDeadline(d, session.id);
      const fire = { sessionId: session.id, scheduleName: `${session.id}-1` };

      const outcomes = await Promise.all([expireSession(d, fire), expireSession(d, fire)]);

      expect(outcomes.map((o) => o.outcome).sort()).toEqual(['already_ended', 'stopping']);
      expect(d.tasks.stopCalls).toHaveLength(1);
    });

    it('when StopTask fails the error propagates, and the retried fire stops the task', async () => {
      const { session, taskArn } = await runningSession(d);
      passDeadline(d, session.id);
      d.tasks.failures.failNext('stop', new UnavailableError('throttled'));
      const fire = { sessionId: session.id, scheduleName: `${session.id}-1` };

      await expect(expireSession(d, fire)).rejects.toBeInstanceOf(UnavailableError);
      expect(d.store.peek(session.id)).toMatchObject({ status: 'stopping', endReason: 'idle_timeout', stopFailedAt: iso(d.clock.now()) });
      expect(d.tasks.taskOf(session.id)?.lastStatus).toBe('RUNNING');

      // The retry of the same fire (Lambda retries a failed async invocation), seconds later.
      d.clock.advance(2 * SECOND);
      await expect(expireSession(d, fire)).resolves.toEqual({ outcome: 'stop_resent' });
      expect(d.tasks.stopCalls).toEqual([
        { taskArn, reason: 'session-expiry: idle_timeout' },
        { taskArn, reason: 'session-expiry: idle_timeout' },
      ]);
      expect(d.tasks.taskOf(session.id)?.lastStatus).toBe('STOPPED');
      expect(d.store.peek(session.id)).toMatchObject({ status: 'stopping', stopConfirmedAt: iso(d.clock.now()) });

      // A confirmed stop is not sent again by a later delivery.
      await expect(expireSession(d, fire)).resolves.toEqual({ outcome: 'already_ended' });
      expect(d.tasks.stopCalls).toHaveLength(2);
    });

    it('a retried fire that fails again throws again, so it is retried once more', async () => {
      const { session } = await runningSession(d);
      passDeadline(d, session.id);
      d.tasks.failures.failNext('stop', new UnavailableError('throttled'), 2);
      const fire = { sessionId: session.id, scheduleName: `${session.id}-1` };

      await expect(expireSession(d, fire)).rejects.toBeInstanceOf(UnavailableError);
      await expect(expireSession(d, fire)).rejects.toBeInstanceOf(UnavailableError);
      await expect(expireSession(d, fire)).resolves.toEqual({ outcome: 'stop_resent' });

      expect(d.tasks.stopCalls).toHaveLength(3);
      expect(d.tasks.taskOf(session.id)?.lastStatus).toBe('STOPPED');
    });

    it('a heartbeat landing between its read and its write wins: the session is not stopped early', async () => {
      const { session } = await runningSession(d);
      passDeadline(d, session.id);
      let staged = false;
      d.store.beforeUpdate = async (id) => {
        if (staged) return;
        staged = true;
        await recordHeartbeat(d, { id, kind: 'interaction', auth: owner });
      };

      const result = await expireSession(d, { sessionId: session.id, scheduleName: `${session.id}-1` });

      expect(result.outcome).toBe('rearmed');
      expect(d.store.peek(session.id)).toMatchObject({ status: 'running', scheduleName: `${session.id}-2` });
      expect(d.tasks.stopCalls).toEqual([]);
    });
  });

  describe('lazy re-arming', () => {
    it('arms one new schedule when the deadline moved later, and the record names it', async () => {
      const { session } = await runningSession(d);
      d.clock.advance(20 * MINUTE);
      await extendSession(d, { id: session.id, ownerId: OWNER, seconds: 3600 });
      d.clock.set(T0 + 30 * MINUTE);

      const result = await expireSession(d, d.scheduler.fire(`${session.id}-1`));

      expect(result.outcome).toBe('rearmed');
      expect(d.scheduler.armCalls.slice(1)).toEqual([{ sessionId: session.id, scheduleName: `${session.id}-2`, fireAt: T0 + 80 * MINUTE }]);
      expect(d.store.peek(session.id)).toMatchObject({ status: 'running', scheduleName: `${session.id}-2`, scheduleSeq: 2 });
      expect(d.metrics.total('SchedulesArmed')).toBe(2);
      expect(d.tasks.stopCalls).toEqual([]);
    });

    it('arms BEFORE naming: when arming fails, the record keeps the old name and the error propagates', async () => {
      const { session } = await runningSession(d);
      d.clock.advance(20 * MINUTE);
      await extendSession(d, { id: session.id, ownerId: OWNER, seconds: 3600 });
      d.clock.set(T0 + 30 * MINUTE);
      d.scheduler.failures.failNext('arm', throttled());

      const error = await caught(expireSession(d, { sessionId: session.id, scheduleName: `${session.id}-1` }));

      expect(error).toMatchObject({ name: 'ThrottlingException' });
      expect(d.store.peek(session.id)).toMatchObject({ scheduleName: `${session.id}-1`, scheduleSeq: 1, version: session.version + 1 });
    });

    it('when another write lands after arming, decides again and arms under a new name', async () => {
      const { session } = await runningSession(d);
      d.clock.advance(20 * MINUTE);
      await extendSession(d, { id: session.id, ownerId: OWNER, seconds: 3600 });
      d.clock.set(T0 + 30 * MINUTE);
      let staged = false;
      d.store.beforeUpdate = async (id) => {
        if (staged) return;
        staged = true;
        await extendSession(d, { id, ownerId: OWNER, seconds: 7200 });
      };

      const result = await expireSession(d, { sessionId: session.id, scheduleName: `${session.id}-1` });

      expect(result.outcome).toBe('rearmed');
      expect(d.scheduler.armCalls.slice(1).map((a) => [a.scheduleName, a.fireAt])).toEqual([
        [`${session.id}-2`, T0 + 80 * MINUTE],
        [`${session.id}-3`, T0 + 150 * MINUTE],
      ]);
      expect(d.store.peek(session.id)).toMatchObject({ scheduleName: `${session.id}-3`, expiresAt: iso(T0 + 150 * MINUTE) });
    });
  });

  describe('warnings', () => {
    it('warns once per deadline, then stops at the deadline', async () => {
      const { session } = await runningSession(d, { profile: 'lab', idleTimeoutSeconds: 600 });
      d.clock.set(T0 + 5 * MINUTE);

      const warned = await expireSession(d, d.scheduler.fire(`${session.id}-1`));

      expect(warned.outcome).toBe('warned');
      expect(d.events.ofType('Session Expiring')).toEqual([
        { type: 'Session Expiring', detail: { sessionId: session.id, ownerId: OWNER, expiresAt: iso(T0 + 10 * MINUTE), reason: 'idle_timeout' } },
      ]);
      expect(d.store.peek(session.id)).toMatchObject({ warnedAt: iso(T0 + 5 * MINUTE), warnedFor: iso(T0 + 10 * MINUTE), scheduleName: `${session.id}-2` });
      expect(d.scheduler.armed.get(`${session.id}-2`)?.fireAt).toBe(T0 + 10 * MINUTE);

      // The same fire delivered again is stale: no second warning.
      await expect(expireSession(d, { sessionId: session.id, scheduleName: `${session.id}-1` })).resolves.toEqual({ outcome: 'stale' });
      expect(d.events.ofType('Session Expiring')).toHaveLength(1);

      d.clock.set(T0 + 10 * MINUTE);
      await expect(expireSession(d, d.scheduler.fire(`${session.id}-2`))).resolves.toEqual({ outcome: 'stopping' });
      expect(d.events.ofType('Session Expiring')).toHaveLength(1);
    });

    it('a deadline moved by activity after the warning gets its own warning', async () => {
      const { session } = await runningSession(d, { profile: 'lab', idleTimeoutSeconds: 600 });
      d.clock.set(T0 + 5 * MINUTE);
      await expireSession(d, d.scheduler.fire(`${session.id}-1`));
      d.clock.set(T0 + 7 * MINUTE);
      await recordHeartbeat(d, { id: session.id, kind: 'interaction', auth: owner }); // deadline now T0 + 17 min

      d.clock.set(T0 + 10 * MINUTE);
      await expect(expireSession(d, d.scheduler.fire(`${session.id}-2`))).resolves.toEqual({ outcome: 'rearmed' });
      expect(d.scheduler.armed.get(`${session.id}-3`)?.fireAt).toBe(T0 + 12 * MINUTE);

      d.clock.set(T0 + 12 * MINUTE);
      await expect(expireSession(d, d.scheduler.fire(`${session.id}-3`))).resolves.toEqual({ outcome: 'warned' });

      expect(d.events.ofType('Session Expiring').map((e) => e.detail.expiresAt)).toEqual([iso(T0 + 10 * MINUTE), iso(T0 + 17 * MINUTE)]);
      expect(d.metrics.total('WarningsSent')).toBe(2);
    });

    it('a fire that comes after the deadline stops without warning', async () => {
      const { session } = await runningSession(d, { profile: 'lab', idleTimeoutSeconds: 600 });
      d.clock.set(T0 + 10 * MINUTE + SECOND);

      await expect(expireSession(d, d.scheduler.fire(`${session.id}-1`))).resolves.toEqual({ outcome: 'stopping' });
      expect(d.events.ofType('Session Expiring')).toEqual([]);
    });

    it('a lost warning event does not stop the expiry', async () => {
      const { session } = await runningSession(d, { profile: 'lab', idleTimeoutSeconds: 600 });
      d.clock.set(T0 + 5 * MINUTE);
      d.events.failures.failNext('publish', new Error('bus down'));

      await expect(expireSession(d, d.scheduler.fire(`${session.id}-1`))).resolves.toEqual({ outcome: 'warned' });
      expect(d.metrics.total('EventPublishFailures')).toBe(1);
      expect(d.scheduler.armed.has(`${session.id}-2`)).toBe(true);
    });
  });

  describe('fires that do nothing', () => {
    it('a session that does not exist', async () => {
      await expect(expireSession(d, { sessionId: 'gone', scheduleName: 'gone-1' })).resolves.toEqual({ outcome: 'missing' });
    });

    it('a stale schedule name: no write, no call', async () => {
      const { session } = await runningSession(d);
      passDeadline(d, session.id);
      const writes = d.store.updates.length;
      const calls = d.scheduler.calls;

      await expect(expireSession(d, { sessionId: session.id, scheduleName: `${session.id}-7` })).resolves.toEqual({ outcome: 'stale' });

      expect(d.store.updates).toHaveLength(writes);
      expect(d.scheduler.calls).toBe(calls);
      expect(d.tasks.stopCalls).toEqual([]);
      expect(d.metrics.total('StaleFires')).toBe(1);
    });

    it('a session already ended', async () => {
      const started = await runningSession(d);
      passDeadline(d, started.session.id);
      await expireSession(d, { sessionId: started.session.id, scheduleName: `${started.session.id}-1` });
      await taskStopped(d, started);

      await expect(expireSession(d, { sessionId: started.session.id, scheduleName: `${started.session.id}-1` })).resolves.toEqual({
        outcome: 'already_ended',
      });
      expect(d.tasks.stopCalls).toHaveLength(1);
    });
  });
});
