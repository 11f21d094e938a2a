import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ConflictError, LimitExceededError, UnavailableError, ValidationError } from '../../../lambdas/domain/errors';
import { iso, ms } from '../../../lambdas/domain/session';
import { sha256Hex } from '../../../lambdas/use-cases/activity-token';
import { createSession } from '../../../lambdas/use-cases/create-session';
import { handleTaskEvent } from '../../../lambdas/use-cases/handle-task-event';
import { UNWRITTEN_CLAIM_GRACE_MS } from '../../../lambdas/use-cases/owner-slots';
import { terminateSession } from '../../../lambdas/use-cases/terminate-session';
import { type Profile } from '../../../lambdas/domain/profile';
import { type FakeDeps, MINUTE, T0, TEST_PROFILES, makeDeps, throttled } from '../../support/fakes';
import { caught } from '../../support/thrown';
import { OWNER, startSession, taskStopped } from './steps';

/** A profile like `notebook` under another name and limit. */
const limitedProfile = (name: string, maxSessionsPerOwner: number): Profile => {
  const notebook = TEST_PROFILES['notebook'];
  if (notebook === undefined) throw new Error('no notebook profile');
  return { ...notebook, name, maxSessionsPerOwner };
};

/** Alice's slots of profile `notebook`. */
const NOTEBOOK_SLOTS = { ownerId: OWNER, profile: 'notebook' };

describe('createSession', () => {
  let d: FakeDeps;
  beforeEach(() => {
    d = makeDeps();
  });

  describe('primary course', () => {
    it('records a starting session with its deadline, arms its first schedule and starts its task', async () => {
      const { session, activityToken, replayed } = await createSession(d, { ownerId: OWNER, profile: 'notebook', metadata: { course: 'ml-101' } });

      expect(replayed).toBe(false);
      expect(activityToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(session).toMatchObject({
        ownerId: OWNER,
        profile: 'notebook',
        status: 'starting',
        createdAt: iso(T0),
        lastActivityAt: iso(T0),
        openConnections: {},
        expiresAt: iso(T0 + 30 * MINUTE),
        expiryReason: 'idle_timeout',
        maxExpiresAt: iso(T0 + 8 * 60 * MINUTE),
        metadata: { course: 'ml-101' },
        scheduleName: `${session.id}-1`,
        scheduleSeq: 1,
        activityTokenHash: sha256Hex(activityToken ?? ''),
      });
      expect(session.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(d.store.peek(session.id)).toEqual(session);
      expect(d.scheduler.armCalls).toEqual([{ sessionId: session.id, scheduleName: `${session.id}-1`, fireAt: T0 + 30 * MINUTE }]);
      expect(d.tasks.startCalls).toEqual([
        {
          sessionId: session.id,
          ownerId: OWNER,
          profile: 'notebook',
          // The token apart from the environment: each runner decides whether it can hand it over off the record.
          environment: { SESSION_ID: session.id, SESSION_API_URL: d.settings.apiUrl },
          activityToken,
        },
      ]);
      expect(session.taskArn).toBe(d.tasks.taskOf(session.id)?.taskArn);
      expect(d.events.ofType('Session Created')).toEqual([
        { type: 'Session Created', detail: { sessionId: session.id, ownerId: OWNER, profile: 'notebook', expiresAt: session.expiresAt } },
      ]);
      expect(d.metrics.total('SessionsCreated')).toBe(1);
    });

    it('never stores the activity token itself', async () => {
      const { session, activityToken } = await createSession(d, { ownerId: OWNER, profile: 'notebook' });

      expect(JSON.stringify(d.store.peek(session.id))).not.toContain(activityToken);
    });

    it('arms the first schedule at the warning time when the profile warns', async () => {
      const { session } = await createSession(d, { ownerId: OWNER, profile: 'lab', idleTimeoutSeconds: 600 });

      expect(session.expiresAt).toBe(iso(T0 + 10 * MINUTE));
      expect(d.scheduler.armCalls.map((a) => a.fireAt)).toEqual([T0 + 5 * MINUTE]);
    });

    it('takes requested timeouts within the profile bounds, and the max lifetime binds when shorter', async () => {
      const { session } = await createSession(d, { ownerId: OWNER, profile: 'notebook', idleTimeoutSeconds: 3600, maxLifetimeSeconds: 900 });

      expect(session.timeouts).toMatchObject({ idleTimeoutSeconds: 3600, maxLifetimeSeconds: 900 });
      expect(session).toMatchObject({ expiresAt: iso(T0 + 15 * MINUTE), expiryReason: 'max_lifetime' });
    });
  });

  describe('validation', () => {
    it.each(['gpu', 'constructor', '__proto__'])('refuses the unknown profile %s and starts nothing', async (profile) => {
      const error = await caught(createSession(d, { ownerId: OWNER, profile }));

      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ field: 'profile' });
      expect(d.store.all()).toEqual([]);
      expect(d.tasks.startCalls).toEqual([]);
    });

    it('refuses timeouts outside the profile bounds', async () => {
      const error = await caught(createSession(d, { ownerId: OWNER, profile: 'notebook', idleTimeoutSeconds: 10 }));

      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ field: 'idleTimeoutSeconds' });
      expect(d.store.all()).toEqual([]);
    });

    it('refuses more than 16 metadata keys', async () => {
      const metadata = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));

      await expect(createSession(d, { ownerId: OWNER, profile: 'notebook', metadata })).rejects.toMatchObject({ field: 'metadata' });
    });
  });

  describe('per-owner limit', () => {
    it('counts per profile: a big session does not block small ones, and each profile stops at its own limit', async () => {
      d = makeDeps({ profiles: { big: limitedProfile('big', 1), small: limitedProfile('small', 3) } });
      const create = (name: string) => createSession(d, { ownerId: OWNER, profile: name });

      await create('big');
      const small = [await create('small'), await create('small'), await create('small')];
      const refusedSmall = await caught(create('small'));
      const refusedBig = await caught(create('big'));

      expect(small.map((s) => s.session.status)).toEqual(['starting', 'starting', 'starting']);
      expect(refusedSmall).toMatchObject({ message: 'at most 3 live small sessions per owner' });
      expect(refusedSmall).toBeInstanceOf(LimitExceededError);
      expect(refusedBig).toMatchObject({ message: 'at most 1 live big sessions per owner' });
      // Another owner has limits of their own.
      await expect(createSession(d, { ownerId: 'bob', profile: 'big' })).resolves.toMatchObject({ replayed: false });
    });

    it('gives a slot back to the profile it was taken from', async () => {
      d = makeDeps({ profiles: { big: limitedProfile('big', 1), small: limitedProfile('small', 1) } });
      const big = await createSession(d, { ownerId: OWNER, profile: 'big' });
      await createSession(d, { ownerId: OWNER, profile: 'small' });

      await terminateSession(d, { id: big.session.id, caller: { ownerId: OWNER, isAdmin: false } });
      await handleTaskEvent(d, { taskArn: big.session.taskArn ?? '', lastStatus: 'STOPPED', sessionId: big.session.id });

      expect(await d.ownerSlots.holders({ ownerId: OWNER, profile: 'big' })).toEqual([]);
      expect(await d.ownerSlots.holders({ ownerId: OWNER, profile: 'small' })).toHaveLength(1);
      await expect(createSession(d, { ownerId: OWNER, profile: 'big' })).resolves.toMatchObject({ replayed: false });
      await expect(caught(createSession(d, { ownerId: OWNER, profile: 'small' }))).resolves.toBeInstanceOf(LimitExceededError);
    });

    it('refuses a sixth live session, counting only live ones', async () => {
      const sessions = [];
      for (let i = 0; i < 5; i++) sessions.push(await startSession(d));
      await expect(createSession(d, { ownerId: OWNER, profile: 'notebook' })).rejects.toBeInstanceOf(LimitExceededError);

      await terminateSession(d, { id: sessions[0]?.session.id ?? '', caller: { ownerId: OWNER, isAdmin: false } });
      await handleTaskEvent(d, { taskArn: sessions[0]?.taskArn ?? '', lastStatus: 'STOPPED', sessionId: sessions[0]?.session.id ?? '' });

      await expect(createSession(d, { ownerId: OWNER, profile: 'notebook' })).resolves.toMatchObject({ replayed: false });
      await expect(createSession(d, { ownerId: 'bob', profile: 'notebook' })).resolves.toMatchObject({ replayed: false });
    });

    it('a refused create answers LimitExceededError and leaves no record, task, schedule or slot behind', async () => {
      const held = [];
      for (let i = 0; i < 5; i++) held.push((await startSession(d)).session.id);
      const before = { sessions: d.store.all().length, starts: d.tasks.startCalls.length, arms: d.scheduler.armCalls.length };

      const error = await caught(createSession(d, { ownerId: OWNER, profile: 'notebook' }));

      expect(error).toBeInstanceOf(LimitExceededError);
      expect(error).toMatchObject({ message: 'at most 5 live notebook sessions per owner' });
      expect({ sessions: d.store.all().length, starts: d.tasks.startCalls.length, arms: d.scheduler.armCalls.length }).toEqual(before);
      expect((await d.ownerSlots.holders(NOTEBOOK_SLOTS)).map((s) => s.sessionId).sort()).toEqual(held.sort());
    });

    it('an Idempotency-Key replay takes no slot, even at the limit', async () => {
      const first = await createSession(d, { ownerId: OWNER, profile: 'notebook', idempotencyKey: 'k-1' });
      for (let i = 0; i < 4; i++) await startSession(d);
      const claims = vi.spyOn(d.ownerSlots, 'claim');

      const replay = await createSession(d, { ownerId: OWNER, profile: 'notebook', idempotencyKey: 'k-1' });

      expect(replay).toEqual({ session: first.session, replayed: true });
      expect(claims).not.toHaveBeenCalled();
      expect(await d.ownerSlots.holders(NOTEBOOK_SLOTS)).toHaveLength(5);
    });

    it('a create that fails to start gives its slot back', async () => {
      for (let i = 0; i < 4; i++) await startSession(d);
      d.scheduler.failures.failNext('arm', throttled());

      await expect(createSession(d, { ownerId: OWNER, profile: 'notebook' })).rejects.toBeInstanceOf(UnavailableError);

      const failed = d.store.all().find((s) => s.status === 'failed');
      expect((await d.ownerSlots.holders(NOTEBOOK_SLOTS)).map((s) => s.sessionId)).not.toContain(failed?.id);
      await expect(createSession(d, { ownerId: OWNER, profile: 'notebook' })).resolves.toMatchObject({ replayed: false });
    });

    it('a session that ended without giving its slot back: the end still succeeds, and the next create takes the slot over', async () => {
      const sessions = [];
      for (let i = 0; i < 5; i++) sessions.push(await startSession(d));
      const [ended] = sessions;
      if (ended === undefined) throw new Error('no session');
      d.ownerSlots.failures.failNext('release', throttled());

      await terminateSession(d, { id: ended.session.id, caller: { ownerId: OWNER, isAdmin: false } });
      await taskStopped(d, ended);

      expect(d.store.peek(ended.session.id).status).toBe('stopped');
      expect(d.log.at('warn')).toContain('could not give back the owner slot of an ended session; the next create at the limit takes it over');
      expect((await d.ownerSlots.holders(NOTEBOOK_SLOTS)).map((s) => s.sessionId)).toContain(ended.session.id);

      const { session } = await createSession(d, { ownerId: OWNER, profile: 'notebook' });

      const holders = (await d.ownerSlots.holders(NOTEBOOK_SLOTS)).map((s) => s.sessionId);
      expect(holders).toHaveLength(5);
      expect(holders).toContain(session.id);
      expect(holders).not.toContain(ended.session.id);
    });

    it('takes over a slot claimed for a session that was never written, but only after the grace', async () => {
      for (let i = 0; i < 4; i++) await startSession(d);
      await d.ownerSlots.claim(NOTEBOOK_SLOTS, 'never-written', 5, T0);

      await expect(createSession(d, { ownerId: OWNER, profile: 'notebook' })).rejects.toBeInstanceOf(LimitExceededError);
      d.clock.advance(UNWRITTEN_CLAIM_GRACE_MS + 1);
      const { session } = await createSession(d, { ownerId: OWNER, profile: 'notebook' });

      expect((await d.ownerSlots.holders(NOTEBOOK_SLOTS)).map((s) => s.sessionId)).toEqual(expect.arrayContaining([session.id]));
      expect((await d.ownerSlots.holders(NOTEBOOK_SLOTS)).map((s) => s.sessionId)).not.toContain('never-written');
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the same request as the same session, without the token and without a second task', async () => {
      const first = await createSession(d, { ownerId: OWNER, profile: 'notebook', metadata: { a: '1', b: '2' }, idempotencyKey: 'k-1' });
      const again = await createSession(d, { ownerId: OWNER, profile: 'notebook', metadata: { b: '2', a: '1' }, idempotencyKey: 'k-1' });

      expect(again).toEqual({ session: first.session, replayed: true });
      expect(d.tasks.startCalls).toHaveLength(1);
      expect(d.store.all()).toHaveLength(1);
      expect(d.metrics.total('SessionsCreated')).toBe(1);
    });

    it('refuses the same key with another request', async () => {
      await createSession(d, { ownerId: OWNER, profile: 'notebook', idempotencyKey: 'k-1' });

      await expect(createSession(d, { ownerId: OWNER, profile: 'notebook', idleTimeoutSeconds: 600, idempotencyKey: 'k-1' })).rejects.toBeInstanceOf(
        ConflictError,
      );
      expect(d.store.all()).toHaveLength(1);
    });

    it('keeps keys apart per owner, and stores only a hash of the key', async () => {
      const alice = await createSession(d, { ownerId: OWNER, profile: 'notebook', idempotencyKey: 'shared-key' });
      const bob = await createSession(d, { ownerId: 'bob', profile: 'notebook', idempotencyKey: 'shared-key' });

      expect(bob.replayed).toBe(false);
      expect(bob.session.id).not.toBe(alice.session.id);
      expect([...d.idempotencyKeys.records.keys()].join()).not.toContain('shared-key');
    });

    it('lets a retry complete a request that claimed the key but failed before writing its session', async () => {
      d.store.failures.failNext('create', throttled());
      await expect(createSession(d, { ownerId: OWNER, profile: 'notebook', idempotencyKey: 'k-1' })).rejects.toThrow();

      const retry = await createSession(d, { ownerId: OWNER, profile: 'notebook', idempotencyKey: 'k-1' });

      expect(retry).toMatchObject({ replayed: false, session: { status: 'starting' } });
      expect(retry.activityToken).toBeDefined();
      expect(retry.session.id).toBe([...d.idempotencyKeys.records.values()][0]?.sessionId);
      // The retry holds the slot the failed attempt claimed, not a second one.
      expect((await d.ownerSlots.holders(NOTEBOOK_SLOTS)).map((s) => s.sessionId)).toEqual([retry.session.id]);
    });

    it('two creates with one key at once, one slot below the limit: one session, the other a replay', async () => {
      for (let i = 0; i < 4; i++) await startSession(d);
      const request = { ownerId: OWNER, profile: 'notebook', idempotencyKey: 'k-1' };
      // The request that claims the key is slow to take a slot: the other one creates the session first.
      let releaseFirst = (): void => {};
      const firstClaimed = new Promise<void>((resolve) => (releaseFirst = resolve));
      const claim = d.ownerSlots.claim.bind(d.ownerSlots);
      let claims = 0;
      d.ownerSlots.claim = async (...args) => {
        if ((claims += 1) === 1) await firstClaimed;
        return claim(...args);
      };

      const first = createSession(d, request);
      const second = await createSession(d, request);
      releaseFirst();
      const results = [await first, second];

      expect(results.map((r) => r.replayed).sort()).toEqual([false, true]);
      expect(results[0]?.session.id).toBe(results[1]?.session.id);
      expect(d.tasks.startCalls).toHaveLength(5);
      expect(await d.ownerSlots.holders(NOTEBOOK_SLOTS)).toHaveLength(5);
    });

    it('makes the key reusable once it has expired', async () => {
      const first = await createSession(d, { ownerId: OWNER, profile: 'notebook', idempotencyKey: 'k-1' });
      d.clock.advance((d.settings.idempotencyTtlSeconds + 1) * 1000);

      const later = await createSession(d, { ownerId: OWNER, profile: 'notebook', idempotencyKey: 'k-1' });

      expect(later.replayed).toBe(false);
      expect(later.session.id).not.toBe(first.session.id);
    });
  });

  describe('compensation', () => {
    it('when arming fails: no task, a failed record, and a retryable error', async () => {
      d.scheduler.failures.failNext('arm', throttled());

      const error = await caught(createSession(d, { ownerId: OWNER, profile: 'notebook' }));

      expect(error).toBeInstanceOf(UnavailableError);
      expect(d.tasks.startCalls).toEqual([]);
      const [record] = d.store.all();
      expect(record).toMatchObject({ status: 'failed', endReason: 'start_failed', endedAt: iso(T0) });
      expect(d.events.ofType('Session Ended')).toHaveLength(1);
      expect(d.metrics.total('StartFailures')).toBe(1);
    });

    it('when RunTask fails: the schedule is disarmed, the record failed, no task runs', async () => {
      d.tasks.failures.failNext('start', new UnavailableError('capacity'));

      await expect(createSession(d, { ownerId: OWNER, profile: 'notebook' })).rejects.toBeInstanceOf(UnavailableError);

      const [record] = d.store.all();
      expect(record).toMatchObject({ status: 'failed', endReason: 'start_failed' });
      expect(record?.scheduleName).toBeUndefined();
      expect(d.scheduler.armed.size).toBe(0);
      expect(d.tasks.running()).toEqual([]);
      expect(d.metrics.total('SessionsEnded', { Reason: 'start_failed' })).toBe(1);
    });

    it('when storing the task ARN fails: the task is stopped and the error is retryable', async () => {
      d.store.failures.failWhen('update', ([, patch]) => (typeof patch === 'object' && patch !== null && 'taskArn' in patch ? throttled() : undefined));

      await expect(createSession(d, { ownerId: OWNER, profile: 'notebook' })).rejects.toBeInstanceOf(UnavailableError);

      expect(d.tasks.running()).toEqual([]);
      expect(d.tasks.stopCalls).toHaveLength(1);
      expect(d.store.all()[0]).toMatchObject({ status: 'failed', endReason: 'start_failed' });
    });

    it('a lost Session Created event does not fail the create', async () => {
      d.events.failures.failNext('publish', new Error('bus down'));

      const { session } = await createSession(d, { ownerId: OWNER, profile: 'notebook' });

      expect(session.status).toBe('starting');
      expect(d.metrics.total('EventPublishFailures')).toBe(1);
      expect(d.log.at('error')).toContain('could not publish events');
    });
  });

  describe('races while the task starts', () => {
    it('a terminate before the task ARN is stored: create stops the task itself, exactly once', async () => {
      let terminated = false;
      d.store.beforeUpdate = async (id, patch) => {
        if (terminated || !('taskArn' in patch)) return;
        terminated = true;
        await terminateSession(d, { id, caller: { ownerId: OWNER, isAdmin: false } });
      };

      const { session } = await createSession(d, { ownerId: OWNER, profile: 'notebook' });

      expect(session).toMatchObject({ status: 'stopped', endReason: 'user_request' });
      expect(d.tasks.stopCalls).toHaveLength(1);
      expect(d.tasks.running()).toEqual([]);
      expect(d.events.ofType('Session Ended')).toHaveLength(1);
    });

    it('a RUNNING event before the task ARN is stored: the session is running with that task', async () => {
      let delivered = false;
      d.store.beforeUpdate = async (id, patch) => {
        if (delivered || !('taskArn' in patch) || 'status' in patch) return;
        delivered = true;
        const taskArn = d.tasks.taskOf(id)?.taskArn ?? '';
        await handleTaskEvent(d, { taskArn, lastStatus: 'RUNNING', sessionId: id });
      };

      const { session } = await createSession(d, { ownerId: OWNER, profile: 'notebook' });

      expect(session).toMatchObject({ status: 'running', taskArn: d.tasks.taskOf(session.id)?.taskArn });
      expect(d.tasks.stopCalls).toEqual([]);
      expect(ms(session.startedAt ?? '')).toBe(T0);
    });
  });
});
