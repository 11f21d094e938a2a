import { setTimeout as delay } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../../lambdas/domain/errors';
import { type Session, iso } from '../../../lambdas/domain/session';
import { sweep, taskIdOf } from '../../../lambdas/use-cases/sweep';
import { type FakeDeps, FakeTaskRunner, HOUR, MINUTE, SECOND, makeDeps, throttled } from '../../support/fakes';
import { seedSession } from './steps';

describe('sweep', () => {
  let d: FakeDeps;
  beforeEach(() => {
    d = makeDeps();
  });

  /** A running session with a running task whose deadline passed `lateMs` ago (fixture idle timeout: 15 min). */
  const overdue = (lateMs = MINUTE): Session => seedSession(d, { createdAt: iso(d.clock.now() - 15 * MINUTE - lateMs) }, { lastStatus: 'RUNNING' });
  const taskIdOfSession = (s: Session): string => taskIdOf(s.taskArn ?? '');

  describe('expired', () => {
    it('stops overdue sessions the schedules missed, for the reason that bound', async () => {
      const late = [overdue(), overdue(5 * MINUTE)];
      const onTime = seedSession(d, {}, { lastStatus: 'RUNNING' });

      const result = await sweep(d, { dryRun: false });

      expect(result.expired).toEqual(
        expect.arrayContaining(late.map((s) => ({ sessionId: s.id, taskId: taskIdOfSession(s), action: 'stop' }))),
      );
      expect(result.expired).toHaveLength(2);
      for (const s of late) expect(d.store.peek(s.id)).toMatchObject({ status: 'stopping', endReason: 'idle_timeout' });
      expect(d.store.peek(onTime.id).status).toBe('running');
      expect(d.tasks.stopCalls.map((c) => c.taskArn).sort()).toEqual(late.map((s) => s.taskArn).sort());
      expect(d.metrics.total('SweepRepairs', { Kind: 'expired' })).toBe(2);
      expect(d.metrics.values('ExpiryLagMs').sort((a, b) => a - b)).toEqual([MINUTE, 5 * MINUTE]);
      expect(result.failures).toEqual([]);
    });

    it('reports item ids, never full ARNs', async () => {
      overdue();

      const result = await sweep(d, { dryRun: false });

      expect(JSON.stringify(result)).not.toContain('arn:');
    });

    it('3 failed stops out of 100: 97 stopped, 3 failures, and a later sweep stops the rest', async () => {
      const sessions = Array.from({ length: 100 }, () => overdue());
      const failing = new Set(sessions.slice(10, 13).map((s) => s.taskArn));
      d.tasks.failures.failWhen('stop', ([taskArn]) => (failing.has(taskArn as string) ? throttled() : undefined));
      const progress: [number, number][] = [];

      const result = await sweep(d, { dryRun: false, onProgress: (done, total) => progress.push([done, total]) });

      expect(result.expired).toHaveLength(97);
      expect(result.failures).toHaveLength(3);
      expect(result.failures).toEqual(
        expect.arrayContaining(sessions.slice(10, 13).map((s) => ({ sessionId: s.id, taskId: taskIdOfSession(s), action: 'stop', error: 'ThrottlingException' }))),
      );
      expect(d.tasks.running().map((t) => t.taskArn).sort()).toEqual([...failing].sort());
      expect(d.metrics.total('SweepFailures')).toBe(3);
      expect(progress).toHaveLength(100);
      expect(progress.at(-1)).toEqual([100, 100]);

      d.tasks.failures.clear();
      d.clock.advance(2 * MINUTE);
      const later = await sweep(d, { dryRun: false });

      expect(later.stuck.filter((i) => i.action === 'stop_again')).toHaveLength(3);
      expect(d.tasks.running()).toEqual([]);
    });

    it('skips a session a heartbeat saved since it was listed', async () => {
      const s = overdue();
      d.store.beforeUpdate = (id) => {
        const current = d.store.peek(id);
        d.store.sessions.set(id, { ...current, expiresAt: iso(d.clock.now() + HOUR), version: current.version + 1 });
        d.store.beforeUpdate = undefined;
      };

      const result = await sweep(d, { dryRun: false });

      expect(result.expired).toEqual([{ sessionId: s.id, taskId: taskIdOfSession(s), action: 'skip' }]);
      expect(d.store.peek(s.id).status).toBe('running');
      expect(d.tasks.stopCalls).toEqual([]);
    });

    it('repairs with bounded concurrency', async () => {
      const slow = new (class extends FakeTaskRunner {
        inFlight = 0;
        maxInFlight = 0;
        override async stop(taskArn: string, reason: string): Promise<void> {
          this.inFlight += 1;
          this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
          await delay(2);
          this.inFlight -= 1;
          return super.stop(taskArn, reason);
        }
      })(d.clock);
      d.tasks = slow;
      for (let i = 0; i < 20; i++) overdue();

      const result = await sweep(d, { dryRun: false });

      expect(result.expired).toHaveLength(20);
      expect(slow.maxInFlight).toBe(d.settings.sweepConcurrency);
    });
  });

  describe('stuck', () => {
    it('a session starting for too long: failed, and its task (if any) stopped', async () => {
      const old = iso(d.clock.now() - 11 * MINUTE);
      const noTask = seedSession(d, { status: 'starting', createdAt: old });
      const pending = seedSession(d, { status: 'starting', createdAt: old }, { lastStatus: 'PENDING' });
      const young = seedSession(d, { status: 'starting', createdAt: iso(d.clock.now() - 5 * MINUTE) }, { lastStatus: 'PENDING' });

      const result = await sweep(d, { dryRun: false });

      expect(result.stuck).toEqual(
        expect.arrayContaining([
          { sessionId: noTask.id, action: 'mark_failed' },
          { sessionId: pending.id, taskId: taskIdOfSession(pending), action: 'mark_failed' },
        ]),
      );
      expect(result.stuck).toHaveLength(2);
      expect(d.store.peek(noTask.id)).toMatchObject({ status: 'failed', endReason: 'start_failed' });
      expect(d.store.peek(pending.id)).toMatchObject({ status: 'failed', endReason: 'start_failed' });
      expect(d.tasks.stopCalls.map((c) => c.taskArn)).toEqual([pending.taskArn]);
      expect(d.store.peek(young.id).status).toBe('starting');
    });

    it('a session starting for too long whose task runs (its RUNNING event was lost) is repaired to running, not killed', async () => {
      const s = seedSession(d, { status: 'starting', createdAt: iso(d.clock.now() - 11 * MINUTE) }, { lastStatus: 'RUNNING' });

      const result = await sweep(d, { dryRun: false });

      expect(result.stuck).toEqual([{ sessionId: s.id, taskId: taskIdOfSession(s), action: 'mark_running' }]);
      expect(d.store.peek(s.id).status).toBe('running');
      expect(d.tasks.stopCalls).toEqual([]);
    });

    it('a stopping session whose task is gone or STOPPED: stopped, keeping its reason', async () => {
      const base = { status: 'stopping', endReason: 'idle_timeout', stopRequestedAt: iso(d.clock.now() - 10 * SECOND) } as const;
      const stoppedTask = seedSession(d, base, { lastStatus: 'STOPPED' });
      const goneTask = seedSession(d, base, { lastStatus: 'RUNNING' });
      d.tasks.remove(goneTask.taskArn ?? '');

      const result = await sweep(d, { dryRun: false });

      expect(result.stuck.map((i) => [i.sessionId, i.action])).toEqual(
        expect.arrayContaining([
          [stoppedTask.id, 'mark_stopped'],
          [goneTask.id, 'mark_stopped'],
        ]),
      );
      for (const s of [stoppedTask, goneTask]) expect(d.store.peek(s.id)).toMatchObject({ status: 'stopped', endReason: 'idle_timeout' });
      expect(d.metrics.total('SessionsEnded', { Reason: 'idle_timeout' })).toBe(2);
    });

    it('a stop whose StopTask failed is sent again at once, and recorded confirmed; a confirmed one is left alone', async () => {
      const now = iso(d.clock.now());
      const failed = seedSession(d, { status: 'stopping', endReason: 'idle_timeout', stopRequestedAt: now, stopFailedAt: now }, { lastStatus: 'RUNNING' });
      const confirmed = seedSession(d, { status: 'stopping', endReason: 'idle_timeout', stopRequestedAt: now, stopConfirmedAt: now }, { lastStatus: 'RUNNING' });
      d.tasks.failures.failNext('describe', throttled());
      d.clock.advance(SECOND);

      // Even when the tasks cannot be seen: StopTask is idempotent.
      const result = await sweep(d, { dryRun: false });

      expect(result.stuck).toEqual([{ sessionId: failed.id, taskId: taskIdOfSession(failed), action: 'stop_again' }]);
      expect(d.tasks.stopCalls).toEqual([{ taskArn: failed.taskArn, reason: 'session-expiry: idle_timeout' }]);
      expect(d.store.peek(failed.id)).toMatchObject({ status: 'stopping', stopConfirmedAt: iso(d.clock.now()) });
      expect(d.store.peek(confirmed.id).status).toBe('stopping');
    });

    it('a stop that hangs past the stop timeout plus grace is sent again; a recent one is left alone', async () => {
      const hung = seedSession(d, { status: 'stopping', endReason: 'user_request', stopRequestedAt: iso(d.clock.now() - 61 * SECOND) }, {});
      const recent = seedSession(d, { status: 'stopping', endReason: 'user_request', stopRequestedAt: iso(d.clock.now() - 30 * SECOND) }, {});

      const result = await sweep(d, { dryRun: false });

      expect(result.stuck).toEqual([{ sessionId: hung.id, taskId: taskIdOfSession(hung), action: 'stop_again' }]);
      expect(d.tasks.stopCalls).toEqual([{ taskArn: hung.taskArn, reason: 'session-expiry: user_request' }]);
      expect(d.store.peek(recent.id).status).toBe('stopping');
    });
  });

  describe('lost', () => {
    it('a running session whose task vanished or stopped unnoticed: stopped with task_exited', async () => {
      const old = iso(d.clock.now() - 10 * MINUTE);
      const vanished = seedSession(d, { createdAt: old }, { lastStatus: 'RUNNING' });
      d.tasks.remove(vanished.taskArn ?? '');
      const stopped = seedSession(d, { createdAt: old }, { lastStatus: 'STOPPED' });

      const result = await sweep(d, { dryRun: false });

      expect(result.lost).toHaveLength(2);
      for (const s of [vanished, stopped]) expect(d.store.peek(s.id)).toMatchObject({ status: 'stopped', endReason: 'task_exited' });
      expect(d.metrics.total('SweepRepairs', { Kind: 'lost' })).toBe(2);
    });

    it('a starting session whose task died: failed with start_failed', async () => {
      const s = seedSession(d, { status: 'starting', createdAt: iso(d.clock.now() - 5 * MINUTE) }, { lastStatus: 'STOPPED' });

      const result = await sweep(d, { dryRun: false });

      expect(result.lost).toEqual([{ sessionId: s.id, taskId: taskIdOfSession(s), action: 'mark_failed' }]);
      expect(d.store.peek(s.id)).toMatchObject({ status: 'failed', endReason: 'start_failed' });
    });

    it('a task too young to be seen yet is not lost', async () => {
      const s = seedSession(d, { createdAt: iso(d.clock.now() - 30 * SECOND) }, { lastStatus: 'RUNNING' });
      d.tasks.remove(s.taskArn ?? '');

      const result = await sweep(d, { dryRun: false });

      expect(result.lost).toEqual([]);
      expect(d.store.peek(s.id).status).toBe('running');
    });
  });

  describe('orphans', () => {
    const old = (): number => d.clock.now() - 3 * MINUTE;

    it('stops tasks whose session ended, vanished or was never known, once the grace has passed', async () => {
      const ended = seedSession(d, { status: 'stopped' });
      const ofEnded = d.tasks.add({ sessionId: ended.id, createdAt: old() });
      const ofNobody = d.tasks.add({ sessionId: 'vanished', createdAt: old() });
      const untagged = d.tasks.add({ createdAt: old() });
      const young = d.tasks.add({ sessionId: 'vanished-too', createdAt: d.clock.now() - 60 * SECOND });

      const result = await sweep(d, { dryRun: false });

      expect(result.orphans).toEqual(
        expect.arrayContaining([
          { sessionId: ended.id, taskId: taskIdOf(ofEnded.taskArn), action: 'stop_orphan' },
          { sessionId: 'vanished', taskId: taskIdOf(ofNobody.taskArn), action: 'stop_orphan' },
          { taskId: taskIdOf(untagged.taskArn), action: 'stop_orphan' },
        ]),
      );
      expect(result.orphans).toHaveLength(3);
      expect(d.tasks.running().map((t) => t.taskArn)).toEqual([young.taskArn]);
      expect(d.tasks.stopCalls.every((c) => c.reason === 'session-expiry: orphaned')).toBe(true);
      expect(d.events.ofType('Orphan Task Stopped')).toHaveLength(3);
      expect(d.metrics.total('OrphansStopped')).toBe(3);
    });

    it('the task of a live or stopping session is not an orphan; a second task of a live session is', async () => {
      const live = seedSession(d, { createdAt: iso(old()) }, { lastStatus: 'RUNNING' });
      seedSession(d, { status: 'stopping', stopRequestedAt: iso(d.clock.now()), createdAt: iso(old()) }, { lastStatus: 'RUNNING' });
      const extra = d.tasks.add({ sessionId: live.id, createdAt: old() });

      const result = await sweep(d, { dryRun: false });

      expect(result.orphans).toEqual([{ sessionId: live.id, taskId: taskIdOf(extra.taskArn), action: 'stop_orphan' }]);
      expect(d.tasks.stopCalls.map((c) => c.taskArn)).toEqual([extra.taskArn]);
    });
  });

  describe('dry run', () => {
    it('reports what it would do and changes nothing', async () => {
      overdue();
      seedSession(d, { status: 'starting', createdAt: iso(d.clock.now() - 11 * MINUTE) });
      seedSession(d, { status: 'stopping', endReason: 'user_request', stopRequestedAt: iso(d.clock.now() - 5 * MINUTE) }, { lastStatus: 'STOPPED' });
      seedSession(d, { createdAt: iso(d.clock.now() - 10 * MINUTE) }, { lastStatus: 'STOPPED' });
      d.tasks.add({ sessionId: 'vanished', createdAt: d.clock.now() - 3 * MINUTE });
      const sessionsBefore = d.store.all();
      const tasksBefore = structuredClone([...d.tasks.tasks.values()]);

      const dry = await sweep(d, { dryRun: true });

      expect(dry.dryRun).toBe(true);
      expect([dry.expired.length, dry.stuck.length, dry.lost.length, dry.orphans.length]).toEqual([1, 2, 1, 1]);
      expect(d.store.all()).toEqual(sessionsBefore);
      expect(d.store.updates).toEqual([]);
      expect([...d.tasks.tasks.values()]).toEqual(tasksBefore);
      expect(d.tasks.stopCalls).toEqual([]);
      expect(d.scheduler.calls).toBe(0);
      expect(d.events.published).toEqual([]);
      expect(d.metrics.records).toEqual([]);

      const real = await sweep(d, { dryRun: false });

      const actions = (r: typeof dry): string[] => [...r.expired, ...r.stuck, ...r.lost, ...r.orphans].map((i) => `${i.sessionId}:${i.action}`).sort();
      expect(actions(real)).toEqual(actions(dry));
    });
  });

  describe('partial failures and gauges', () => {
    it('when tasks cannot be listed or described, still stops overdue sessions and says what it skipped', async () => {
      const s = overdue();
      d.tasks.failures.failNext('describe', throttled());
      d.tasks.failures.failNext('listManaged', new UnavailableError('ecs down'));

      const result = await sweep(d, { dryRun: false });

      expect(result.expired).toEqual([{ sessionId: s.id, taskId: taskIdOfSession(s), action: 'stop' }]);
      expect(result.failures).toEqual([
        { action: 'describe_tasks', error: 'ThrottlingException' },
        { action: 'list_tasks', error: 'unavailable' },
      ]);
    });

    it('emits the live, overdue and activity gauges', async () => {
      overdue();
      seedSession(d, {}, { lastStatus: 'RUNNING' });
      seedSession(d, { status: 'stopped' });

      await sweep(d, { dryRun: false });

      expect(d.metrics.values('LiveSessions')).toEqual([2]);
      expect(d.metrics.values('OverdueSessions')).toEqual([1]);
      expect(d.metrics.values('SessionsByActivity', { ActivityLevel: 'active' })).toEqual([1]);
      expect(d.metrics.values('SessionsByActivity', { ActivityLevel: 'background' })).toEqual([1]);
      expect(d.metrics.values('SessionsByActivity', { ActivityLevel: 'disconnected' })).toEqual([0]);
      expect(d.metrics.values('SessionsByActivity', { ActivityLevel: 'busy' })).toEqual([0]);
    });
  });
});
