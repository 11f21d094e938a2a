import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../../lambdas/domain/errors';
import { nextFireAtMs } from '../../../lambdas/domain/deadline-policy';
import { iso } from '../../../lambdas/domain/session';
import { expireSession } from '../../../lambdas/use-cases/expire-session';
import { recordHeartbeat } from '../../../lambdas/use-cases/record-heartbeat';
import { terminateSession } from '../../../lambdas/use-cases/terminate-session';
import { type FakeDeps, HOUR, MINUTE, SECOND, T0, makeDeps, throttled } from '../../support/fakes';
import { caught } from '../../support/thrown';
import { OWNER, runningSession, startSession } from './steps';

const owner = { type: 'owner', ownerId: OWNER } as const;

describe('recordHeartbeat', () => {
  let d: FakeDeps;
  beforeEach(() => {
    d = makeDeps();
  });

  describe('primary course', () => {
    it('an interaction moves the deadline with one write and no Scheduler call', async () => {
      const { session } = await runningSession(d);
      const schedulerCalls = d.scheduler.calls;
      d.clock.advance(10 * MINUTE);

      const after = await recordHeartbeat(d, { id: session.id, kind: 'interaction', auth: owner });

      expect(after).toMatchObject({ lastActivityAt: iso(T0 + 10 * MINUTE), expiresAt: iso(T0 + 40 * MINUTE), version: session.version + 1 });
      expect(d.store.peek(session.id)).toEqual(after);
      expect(d.scheduler.calls).toBe(schedulerCalls);
      expect(d.metrics.total('HeartbeatWrites')).toBe(1);
    });

    it("accepts the session's own activity token", async () => {
      const { session, activityToken } = await startSession(d);
      d.clock.advance(2 * MINUTE);

      const after = await recordHeartbeat(d, { id: session.id, kind: 'interaction', auth: { type: 'token', token: activityToken } });

      expect(after.lastActivityAt).toBe(iso(T0 + 2 * MINUTE));
    });

    it('a ping proves presence but writes nothing', async () => {
      const { session } = await runningSession(d);
      d.clock.advance(10 * MINUTE);
      const writes = d.store.updates.length;

      const after = await recordHeartbeat(d, { id: session.id, kind: 'ping', auth: owner });

      expect(after).toEqual(session);
      expect(d.store.updates).toHaveLength(writes);
      expect(d.metrics.total('HeartbeatsSkipped')).toBe(1);
    });

    it('interactions closer together than the batching threshold write nothing', async () => {
      const { session } = await runningSession(d); // idle 30 min: threshold 90 s
      d.clock.advance(80 * SECOND);

      await recordHeartbeat(d, { id: session.id, kind: 'interaction', auth: owner });

      expect(d.store.peek(session.id).version).toBe(session.version);
    });

    it('connect and disconnect track the connections', async () => {
      const { session } = await runningSession(d, { profile: 'lab' });

      await recordHeartbeat(d, { id: session.id, kind: 'connect', auth: owner });
      await recordHeartbeat(d, { id: session.id, kind: 'connect', auth: owner });
      const after = await recordHeartbeat(d, { id: session.id, kind: 'disconnect', auth: owner });

      expect(after.connections).toBe(1);
      expect(after.disconnectedAt).toBeUndefined();
    });
  });

  describe('who may send one', () => {
    it.each([
      ['a wrong token', { type: 'token', token: 'not-the-token' }],
      ['another owner', { type: 'owner', ownerId: 'mallory' }],
    ] as const)('%s is told the session does not exist', async (_, auth) => {
      const { session } = await runningSession(d);

      await expect(recordHeartbeat(d, { id: session.id, kind: 'interaction', auth })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('a missing session is not found', async () => {
      await expect(recordHeartbeat(d, { id: 'nope', kind: 'interaction', auth: owner })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('a stopping or ended session refuses activity', async () => {
      const { session } = await runningSession(d);
      await terminateSession(d, { id: session.id, caller: { ownerId: OWNER, isAdmin: false } });

      const error = await caught(recordHeartbeat(d, { id: session.id, kind: 'interaction', auth: owner }));

      expect(error).toBeInstanceOf(ConflictError);
      expect(d.store.peek(session.id).status).toBe('stopping');
    });
  });

  describe('concurrency', () => {
    it('re-applies itself when another write lands between its read and its write', async () => {
      const { session } = await runningSession(d, { profile: 'lab' });
      let staged = false;
      d.store.beforeUpdate = async (id) => {
        if (staged) return;
        staged = true;
        await recordHeartbeat(d, { id, kind: 'connect', auth: owner });
      };
      d.clock.advance(5 * MINUTE);

      const after = await recordHeartbeat(d, { id: session.id, kind: 'interaction', auth: owner });

      expect(after).toMatchObject({ connections: 1, lastActivityAt: iso(T0 + 5 * MINUTE), version: session.version + 2 });
    });
  });

  describe('lazy re-arming', () => {
    it('1,000 interactions cost zero Scheduler calls; the fire after them arms exactly one schedule; a stale fire does nothing', async () => {
      const { session } = await runningSession(d, { idleTimeoutSeconds: 60 }); // batching threshold 3 s
      const firstName = `${session.id}-1`;
      const callsAfterCreate = d.scheduler.calls;

      for (let i = 0; i < 1000; i++) {
        d.clock.advance(5 * SECOND);
        await recordHeartbeat(d, { id: session.id, kind: 'interaction', auth: owner });
      }

      expect(d.metrics.total('HeartbeatWrites')).toBe(1000);
      expect(d.scheduler.calls).toBe(callsAfterCreate);

      const fired = await expireSession(d, d.scheduler.fire(firstName));

      const record = d.store.peek(session.id);
      expect(fired.outcome).toBe('rearmed');
      expect(record).toMatchObject({ status: 'running', expiresAt: iso(T0 + 5060 * SECOND), scheduleName: `${session.id}-2`, scheduleSeq: 2 });
      expect(d.scheduler.calls).toBe(callsAfterCreate + 1);
      expect(d.scheduler.armCalls.at(-1)).toEqual({ sessionId: session.id, scheduleName: `${session.id}-2`, fireAt: T0 + 5060 * SECOND });

      const writesBefore = d.store.updates.length;
      const stale = await expireSession(d, { sessionId: session.id, scheduleName: firstName });

      expect(stale.outcome).toBe('stale');
      expect(d.scheduler.calls).toBe(callsAfterCreate + 1);
      expect(d.store.updates).toHaveLength(writesBefore);
      expect(d.tasks.stopCalls).toEqual([]);
    });

    it('a disconnect that brings the deadline forward arms one schedule for it, so the grace is exact', async () => {
      const { session } = await runningSession(d, { profile: 'lab', idleTimeoutSeconds: 4 * 3600 });
      await recordHeartbeat(d, { id: session.id, kind: 'connect', auth: owner });
      d.clock.advance(MINUTE);
      const armsBefore = d.scheduler.armCalls.length;

      const after = await recordHeartbeat(d, { id: session.id, kind: 'disconnect', auth: owner });

      expect(after).toMatchObject({ expiresAt: iso(T0 + 11 * MINUTE), expiryReason: 'disconnected', scheduleName: `${session.id}-7`, scheduleSeq: 7 });
      // The lab profile warns 5 minutes ahead, so the new schedule fires at the warning time.
      expect(d.scheduler.armCalls.slice(armsBefore)).toEqual([{ sessionId: session.id, scheduleName: `${session.id}-7`, fireAt: T0 + 6 * MINUTE }]);
    });

    it('a disconnect never names a schedule an unfinished re-arm left armed for a later time', async () => {
      const { session } = await runningSession(d, { profile: 'lab', idleTimeoutSeconds: 4 * 3600 });
      await recordHeartbeat(d, { id: session.id, kind: 'connect', auth: owner });
      d.clock.set(T0 + 3 * HOUR);
      await recordHeartbeat(d, { id: session.id, kind: 'interaction', auth: owner });
      // The first schedule fires; its re-arm for the later deadline is armed but never named.
      d.clock.set(T0 + 4 * HOUR - 5 * MINUTE);
      d.store.failures.failNext('update', throttled());
      await caught(expireSession(d, d.scheduler.fire(`${session.id}-1`)));
      d.clock.advance(MINUTE);

      const after = await recordHeartbeat(d, { id: session.id, kind: 'disconnect', auth: owner });

      // The schedule the record names fires when the new (earlier) deadline needs it, not at the old one.
      expect(after.expiryReason).toBe('disconnected');
      expect(d.scheduler.armed.get(after.scheduleName ?? '')?.fireAt).toBe(nextFireAtMs(after));
    });
  });
});
