import { beforeEach, describe, expect, it } from 'vitest';
import { iso } from '../../../lambdas/domain/session';
import { type TaskEventInput, handleTaskEvent } from '../../../lambdas/use-cases/handle-task-event';
import { terminateSession } from '../../../lambdas/use-cases/terminate-session';
import { type FakeDeps, MINUTE, T0, makeDeps } from '../../support/fakes';
import { OWNER, runningSession, seedSession, startSession } from './steps';

describe('handleTaskEvent', () => {
  let d: FakeDeps;
  beforeEach(() => {
    d = makeDeps();
  });

  const event = (taskArn: string, sessionId: string, lastStatus: string): TaskEventInput => ({ taskArn, sessionId, lastStatus });

  describe('primary course', () => {
    it('RUNNING makes a starting session running', async () => {
      const { session, taskArn } = await startSession(d);
      d.clock.advance(MINUTE);

      const result = await handleTaskEvent(d, event(taskArn, session.id, 'RUNNING'));

      expect(result.outcome).toBe('running');
      expect(d.store.peek(session.id)).toMatchObject({ status: 'running', startedAt: iso(T0 + MINUTE) });
    });

    it('STOPPED of a running task that ended on its own: stopped with task_exited, schedule disarmed, Session Ended', async () => {
      const { session, taskArn } = await runningSession(d);
      d.clock.advance(MINUTE);

      const result = await handleTaskEvent(d, { ...event(taskArn, session.id, 'STOPPED'), stoppedReason: 'Essential container exited' });

      expect(result.outcome).toBe('stopped');
      expect(d.store.peek(session.id)).toMatchObject({ status: 'stopped', endReason: 'task_exited', endedAt: iso(T0 + MINUTE) });
      expect(d.store.peek(session.id).scheduleName).toBeUndefined();
      expect(d.scheduler.disarmCalls).toEqual([`${session.id}-1`]);
      expect(d.events.ofType('Session Ended')).toMatchObject([{ detail: { sessionId: session.id, reason: 'task_exited' } }]);
      expect(d.metrics.total('SessionsEnded', { Reason: 'task_exited' })).toBe(1);
    });

    it('STOPPED of a task that died before RUNNING: failed with start_failed', async () => {
      const { session, taskArn } = await startSession(d);

      await expect(handleTaskEvent(d, event(taskArn, session.id, 'STOPPED'))).resolves.toEqual({ outcome: 'failed' });
      expect(d.store.peek(session.id)).toMatchObject({ status: 'failed', endReason: 'start_failed' });
    });

    it('STOPPED after a stop request keeps the reason chosen when stopping', async () => {
      const { session, taskArn } = await runningSession(d);
      await terminateSession(d, { id: session.id, caller: { ownerId: OWNER, isAdmin: false } });

      await expect(handleTaskEvent(d, event(taskArn, session.id, 'STOPPED'))).resolves.toEqual({ outcome: 'stopped' });
      expect(d.store.peek(session.id)).toMatchObject({ status: 'stopped', endReason: 'user_request' });
      // Terminate disarmed the schedule already: no second disarm.
      expect(d.scheduler.disarmCalls).toHaveLength(1);
    });

    it('a lost Session Ended event does not undo the end', async () => {
      const { session, taskArn } = await runningSession(d);
      d.events.failures.failNext('publish', new Error('bus down'));

      await expect(handleTaskEvent(d, event(taskArn, session.id, 'STOPPED'))).resolves.toEqual({ outcome: 'stopped' });
      expect(d.store.peek(session.id).status).toBe('stopped');
      expect(d.metrics.total('EventPublishFailures')).toBe(1);
    });
  });

  describe('events that change nothing', () => {
    it.each(['PROVISIONING', 'PENDING', 'DEACTIVATING', 'STOPPING'])('%s', async (lastStatus) => {
      const { session, taskArn } = await startSession(d);

      await expect(handleTaskEvent(d, event(taskArn, session.id, lastStatus))).resolves.toEqual({ outcome: 'noop' });
      expect(d.store.peek(session.id)).toEqual(session);
    });

    it('a task of another session, an unknown session, or no session id', async () => {
      const { session } = await runningSession(d);
      const stranger = d.tasks.add({ sessionId: session.id });

      await expect(handleTaskEvent(d, event(stranger.taskArn, session.id, 'STOPPED'))).resolves.toEqual({ outcome: 'unknown' });
      await expect(handleTaskEvent(d, event(stranger.taskArn, 'no-such-session', 'STOPPED'))).resolves.toEqual({ outcome: 'unknown' });
      await expect(handleTaskEvent(d, { taskArn: stranger.taskArn, lastStatus: 'STOPPED' })).resolves.toEqual({ outcome: 'unknown' });
      expect(d.store.peek(session.id)).toEqual(session);
    });

    it('an event that beats create storing the task ARN is still applied', async () => {
      const session = seedSession(d, { status: 'starting' });
      const taskArn = 'arn:aws:ecs:eu-west-1:123456789012:task/sessions/early';

      await expect(handleTaskEvent(d, event(taskArn, session.id, 'RUNNING'))).resolves.toEqual({ outcome: 'running' });
      expect(d.store.peek(session.id)).toMatchObject({ status: 'running', taskArn });
    });
  });

  describe('at least once, in any order', () => {
    const permutations = <T>(items: readonly T[]): T[][] =>
      items.length <= 1 ? [[...items]] : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));

    it.each([...new Set(permutations(['RUNNING', 'STOPPED', 'RUNNING', 'STOPPED']).map((p) => p.join(' → ')))])(
      'a terminated session ends stopped/user_request once: %s',
      async (order) => {
        const { session, taskArn } = await startSession(d);
        await terminateSession(d, { id: session.id, caller: { ownerId: OWNER, isAdmin: false } });

        for (const lastStatus of order.split(' → ')) await handleTaskEvent(d, event(taskArn, session.id, lastStatus));

        expect(d.store.peek(session.id)).toMatchObject({ status: 'stopped', endReason: 'user_request' });
        expect(d.events.ofType('Session Ended')).toHaveLength(1);
      },
    );

    it('a running session whose task exits ends once however often the events come, and a late RUNNING changes nothing', async () => {
      const { session, taskArn } = await runningSession(d);

      const outcomes = [];
      for (const lastStatus of ['STOPPED', 'RUNNING', 'STOPPED', 'RUNNING']) {
        outcomes.push((await handleTaskEvent(d, event(taskArn, session.id, lastStatus))).outcome);
      }

      expect(outcomes).toEqual(['stopped', 'noop', 'noop', 'noop']);
      expect(d.store.peek(session.id)).toMatchObject({ status: 'stopped', endReason: 'task_exited' });
      expect(d.events.ofType('Session Ended')).toHaveLength(1);
    });

    it('concurrent duplicates end the session once', async () => {
      const { session, taskArn } = await runningSession(d);

      const results = await Promise.all([1, 2, 3].map(() => handleTaskEvent(d, event(taskArn, session.id, 'STOPPED'))));

      expect(results.map((r) => r.outcome).sort()).toEqual(['noop', 'noop', 'stopped']);
      expect(d.events.ofType('Session Ended')).toHaveLength(1);
    });
  });
});
