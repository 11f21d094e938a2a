import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { iso } from '../../../lambdas/domain/session';
import { type TaskEventInput, handleTaskEvent } from '../../../lambdas/use-cases/handle-task-event';
import { terminateSession } from '../../../lambdas/use-cases/terminate-session';
import { type FakeDeps, MINUTE, SECOND, T0, makeDeps } from '../../support/fakes';
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

    it('STOPPED of a task that never started, as ECS says it (TaskFailedToStart): failed with start_failed', async () => {
      const { session, taskArn } = await startSession(d);

      const result = await handleTaskEvent(d, {
        ...event(taskArn, session.id, 'STOPPED'),
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
        eventVersion: 3,
      });

      expect(result.outcome).toBe('failed');
      expect(d.store.peek(session.id)).toMatchObject({ status: 'failed', endReason: 'start_failed' });
      expect(d.store.peek(session.id).startedAt).toBeUndefined();
    });

    it("the issue's case: a task that ran for ten minutes, whose RUNNING event comes only after its STOPPED one, ended on its own", async () => {
      const { session, taskArn } = await startSession(d);
      const running: TaskEventInput = { ...event(taskArn, session.id, 'RUNNING'), startedAt: iso(T0 + 30 * SECOND), eventVersion: 2 };
      const stopped: TaskEventInput = {
        ...event(taskArn, session.id, 'STOPPED'),
        startedAt: iso(T0 + 30 * SECOND),
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        eventVersion: 4,
      };
      d.clock.set(T0 + 10 * MINUTE + 30 * SECOND);

      await expect(handleTaskEvent(d, stopped)).resolves.toEqual({ outcome: 'stopped' });
      const ended = d.store.peek(session.id);
      await expect(handleTaskEvent(d, running)).resolves.toEqual({ outcome: 'noop' });

      expect(ended).toMatchObject({ status: 'stopped', endReason: 'task_exited', startedAt: iso(T0 + 30 * SECOND), taskEventVersion: 4 });
      expect(d.store.peek(session.id)).toEqual(ended);
      expect(d.events.ofType('Session Ended')).toMatchObject([{ detail: { sessionId: session.id, reason: 'task_exited' } }]);
      expect(d.metrics.total('SessionsEnded', { Reason: 'start_failed' })).toBe(0);
    });

    it('a STOPPED without startedAt still counts as ran when its container exited (the local runner says so)', async () => {
      const { session, taskArn } = await startSession(d);

      await handleTaskEvent(d, { ...event(taskArn, session.id, 'STOPPED'), stoppedReason: 'Essential container in task exited (exit code 0)' });

      expect(d.store.peek(session.id)).toMatchObject({ status: 'stopped', endReason: 'task_exited' });
    });

    it('RUNNING records when the task started as ECS says it', async () => {
      const { session, taskArn } = await startSession(d);
      d.clock.advance(MINUTE);

      await handleTaskEvent(d, { ...event(taskArn, session.id, 'RUNNING'), startedAt: iso(T0 + 20 * SECOND), eventVersion: 2 });

      expect(d.store.peek(session.id)).toMatchObject({ status: 'running', startedAt: iso(T0 + 20 * SECOND), taskEventVersion: 2 });
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

    it('an event older than one applied (a lower ECS version) changes nothing', async () => {
      const { session, taskArn } = await startSession(d);
      // A later RUNNING was applied; a redelivered older one must not move startedAt.
      await handleTaskEvent(d, { ...event(taskArn, session.id, 'RUNNING'), startedAt: iso(T0 + 20 * SECOND), eventVersion: 3 });
      const applied = d.store.peek(session.id);

      await expect(handleTaskEvent(d, { ...event(taskArn, session.id, 'RUNNING'), startedAt: iso(T0), eventVersion: 2 })).resolves.toEqual({ outcome: 'noop' });
      expect(d.store.peek(session.id)).toEqual(applied);
    });

    describe('every order of RUNNING and STOPPED, with duplicates, and a stop request anywhere in it (property)', () => {
      const startedAt = iso(T0 + 30 * SECOND);
      type Step = 'RUNNING' | 'STOPPED' | 'TERMINATE';
      /** One RUNNING and one STOPPED at least, each maybe delivered again, in any order; maybe one terminate. */
      const stepsArb = fc
        .record({ runs: fc.integer({ min: 1, max: 3 }), stops: fc.integer({ min: 1, max: 3 }), terminate: fc.boolean() })
        .chain(({ runs, stops, terminate }) => {
          const steps: Step[] = [...Array<Step>(runs).fill('RUNNING'), ...Array<Step>(stops).fill('STOPPED'), ...(terminate ? (['TERMINATE'] as Step[]) : [])];
          return fc.shuffledSubarray(steps, { minLength: steps.length, maxLength: steps.length });
        });

      it('ends once, with the reason of whatever ended it first, and never as a start failure', async () => {
        await fc.assert(
          fc.asyncProperty(stepsArb, async (steps) => {
            const deps = makeDeps();
            const { session, taskArn } = await startSession(deps);
            for (const step of steps) {
              if (step === 'TERMINATE') await terminateSession(deps, { id: session.id, caller: { ownerId: OWNER, isAdmin: false } });
              else if (step === 'RUNNING') await handleTaskEvent(deps, { ...event(taskArn, session.id, 'RUNNING'), startedAt, eventVersion: 2 });
              else {
                await handleTaskEvent(deps, {
                  ...event(taskArn, session.id, 'STOPPED'),
                  startedAt,
                  stopCode: 'EssentialContainerExited',
                  stoppedReason: 'Essential container in task exited',
                  eventVersion: 4,
                });
              }
            }

            const stoppedBeforeTerminate = steps.indexOf('STOPPED') < steps.indexOf('TERMINATE') || !steps.includes('TERMINATE');
            expect(deps.store.peek(session.id)).toMatchObject({
              status: 'stopped',
              endReason: stoppedBeforeTerminate ? 'task_exited' : 'user_request',
              startedAt,
              taskEventVersion: 4,
            });
            expect(deps.events.ofType('Session Ended')).toHaveLength(1);
          }),
          { numRuns: 200 },
        );
      });
    });

    it('concurrent duplicates end the session once', async () => {
      const { session, taskArn } = await runningSession(d);

      const results = await Promise.all([1, 2, 3].map(() => handleTaskEvent(d, event(taskArn, session.id, 'STOPPED'))));

      expect(results.map((r) => r.outcome).sort()).toEqual(['noop', 'noop', 'stopped']);
      expect(d.events.ofType('Session Ended')).toHaveLength(1);
    });
  });
});
