import { beforeEach, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../../lambdas/domain/errors';
import { iso, ms } from '../../../lambdas/domain/session';
import { type StartQueue, type StartRequest } from '../../../lambdas/ports/start-queue';
import { createSession } from '../../../lambdas/use-cases/create-session';
import { handleTaskEvent } from '../../../lambdas/use-cases/handle-task-event';
import { startBackoffSeconds, startSession } from '../../../lambdas/use-cases/start-session';
import { terminateSession } from '../../../lambdas/use-cases/terminate-session';
import { type FakeDeps, MINUTE, SECOND, T0, makeDeps } from '../../support/fakes';
import { OWNER } from './steps';

/** A start queue that only records; the test delivers each request itself, as the starter would. */
class RecordingStartQueue implements StartQueue {
  readonly queued: { request: StartRequest; delaySeconds: number }[] = [];
  enqueue(request: StartRequest, delaySeconds = 0): Promise<void> {
    this.queued.push({ request: structuredClone(request), delaySeconds });
    return Promise.resolve();
  }
  take(): { request: StartRequest; delaySeconds: number } {
    const next = this.queued.shift();
    if (next === undefined) throw new Error('nothing queued');
    return next;
  }
}

const START_TIMEOUT_SECONDS = 300;
const NOTEBOOK_SLOTS = { ownerId: OWNER, profile: 'notebook' };

describe('queued starts (create + start-session)', () => {
  let d: FakeDeps & { startQueue: RecordingStartQueue };
  beforeEach(() => {
    d = { ...makeDeps({ settings: { startTimeoutSeconds: START_TIMEOUT_SECONDS } }), startQueue: new RecordingStartQueue() };
  });

  const create = async () => {
    const created = await createSession(d, { ownerId: OWNER, profile: 'notebook' });
    return created.session;
  };

  it('create answers without starting a task: the session is starting, queued, and one start is queued', async () => {
    const created = await createSession(d, { ownerId: OWNER, profile: 'notebook' });
    const session = created.session;

    expect(session).toMatchObject({ status: 'starting', queuedAt: iso(T0) });
    expect(d.tasks.startCalls).toEqual([]);
    expect(d.startQueue.queued).toHaveLength(1);
    expect(d.startQueue.queued[0]).toMatchObject({ request: { sessionId: session.id, attempt: 1 }, delaySeconds: 0 });
    // The token the task will get is the one the creator got back.
    expect(d.startQueue.queued[0]?.request.activityToken).toBe(created.activityToken);
  });

  it('a throttled start is queued again with a backoff and then starts exactly one task (same clientToken)', async () => {
    const session = await create();
    d.tasks.failures.failNext('start', new UnavailableError('ECS RunTask is unavailable (ThrottlingException)'), 2);

    expect(await startSession(d, d.startQueue.take().request)).toMatchObject({ outcome: 'retry' });
    const second = d.startQueue.take();
    expect(second.request.attempt).toBe(2);
    expect(second.delaySeconds).toBeGreaterThanOrEqual(1);
    expect(await startSession(d, second.request)).toMatchObject({ outcome: 'retry' });
    expect(await startSession(d, d.startQueue.take().request)).toMatchObject({ outcome: 'started' });
    // A duplicate delivery of the last message changes nothing.
    expect(await startSession(d, { ...second.request, attempt: 3 })).toMatchObject({ outcome: 'already_started' });

    expect(d.tasks.startCalls.map((c) => c.sessionId)).toEqual([session.id, session.id, session.id]);
    expect([...d.tasks.tasks.values()]).toHaveLength(1);
    expect(d.store.peek(session.id)).toMatchObject({ status: 'starting', taskArn: d.tasks.taskOf(session.id)?.taskArn });
  });

  it('a capacity failure (RESOURCE:ENI) is retried like a throttle', async () => {
    const session = await create();
    d.tasks.failures.failNext('start', new UnavailableError('ECS RunTask started no task: RESOURCE:ENI'));

    expect(await startSession(d, d.startQueue.take().request)).toMatchObject({ outcome: 'retry' });
    expect(await startSession(d, d.startQueue.take().request)).toMatchObject({ outcome: 'started' });
    expect(d.tasks.running().map((t) => t.sessionId)).toEqual([session.id]);
  });

  it('a start not done within startTimeoutSeconds ends start_failed, gives the slot back and publishes the end', async () => {
    const session = await create();
    d.tasks.failures.failWhen('start', () => new UnavailableError('no Fargate capacity'));

    let outcome;
    for (let tries = 0; tries < 100; tries++) {
      const next = d.startQueue.take();
      d.clock.advance(next.delaySeconds * SECOND);
      ({ outcome } = await startSession(d, next.request));
      if (outcome !== 'retry') break;
      // Never delayed past the timeout: the try at the deadline ends it.
      expect(d.clock.now() + (d.startQueue.queued[0]?.delaySeconds ?? 0) * SECOND).toBeLessThanOrEqual(
        T0 + (START_TIMEOUT_SECONDS + 1) * SECOND,
      );
    }

    expect(outcome).toBe('timed_out');
    expect(d.clock.now()).toBeGreaterThanOrEqual(T0 + START_TIMEOUT_SECONDS * SECOND);
    expect(d.store.peek(session.id)).toMatchObject({ status: 'failed', endReason: 'start_failed' });
    expect((await d.ownerSlots.holders(NOTEBOOK_SLOTS)).map((s) => s.sessionId)).not.toContain(session.id);
    expect(d.events.published.map((e) => e.type)).toContain('Session Ended');
    expect(d.tasks.running()).toEqual([]);
    expect(d.startQueue.queued).toEqual([]);
  });

  it('a DELETE while queued cancels the start: no task is ever started', async () => {
    const session = await create();
    await terminateSession(d, { id: session.id, caller: { ownerId: OWNER, isAdmin: false } });

    expect(await startSession(d, d.startQueue.take().request)).toMatchObject({ outcome: 'not_starting' });
    expect(d.tasks.startCalls).toEqual([]);
    expect(d.store.peek(session.id)).toMatchObject({ status: 'stopped', endReason: 'user_request' });
  });

  it('a permanent failure (no task definition) fails fast: start_failed, not retried', async () => {
    const session = await create();
    d.tasks.failures.failNext('start', new Error('no task definition is configured for profile "notebook"'));

    expect(await startSession(d, d.startQueue.take().request)).toMatchObject({ outcome: 'failed' });
    expect(d.startQueue.queued).toEqual([]);
    expect(d.tasks.startCalls).toHaveLength(1);
    expect(d.store.peek(session.id)).toMatchObject({ status: 'failed', endReason: 'start_failed' });
  });

  it('the idle clock starts at RUNNING: time in the queue never shortens the idle window; max lifetime counts from creation', async () => {
    const session = await create();
    const idleMs = session.timeouts.idleTimeoutSeconds * 1000;
    // Queued: only the max lifetime binds.
    expect(session.expiresAt).toBe(session.maxExpiresAt);
    // The first schedule fires no later than the earliest idle deadline; the fire re-arms lazily.
    expect(Math.min(...[...d.scheduler.armed.values()].map((a) => a.fireAt))).toBeLessThanOrEqual(T0 + idleMs);

    d.clock.advance(4 * MINUTE);
    await startSession(d, d.startQueue.take().request);
    const taskArn = d.store.peek(session.id).taskArn ?? '';
    await handleTaskEvent(d, { taskArn, lastStatus: 'RUNNING', sessionId: session.id, startedAt: iso(d.clock.now()) });

    const running = d.store.peek(session.id);
    expect(running).toMatchObject({ status: 'running', startedAt: iso(T0 + 4 * MINUTE), maxExpiresAt: session.maxExpiresAt });
    expect(ms(running.expiresAt)).toBe(Math.min(T0 + 4 * MINUTE + idleMs, ms(session.maxExpiresAt)));
  });
});

describe('startBackoffSeconds', () => {
  it('grows exponentially with full jitter, at least 1 s and capped', () => {
    expect(startBackoffSeconds(1, () => 0)).toBe(1);
    expect(startBackoffSeconds(4, () => 0.999)).toBe(8);
    expect(startBackoffSeconds(30, () => 0.999)).toBe(60);
    for (let attempt = 1; attempt < 12; attempt++) {
      const s = startBackoffSeconds(attempt);
      expect(s).toBeGreaterThanOrEqual(1);
      expect(s).toBeLessThanOrEqual(60);
    }
  });
});
