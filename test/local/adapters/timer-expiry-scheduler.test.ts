import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_DELAY_MS, TimerExpiryScheduler } from '../../../local/adapters/timer-expiry-scheduler';
import { type ScheduledFire } from '../../../lambdas/ports/expiry-scheduler';
import { type Log, silentLog } from '../../../lambdas/ports/observability';

const clock = { now: () => Date.now() };

describe('TimerExpiryScheduler', () => {
  let fired: ScheduledFire[];
  let scheduler: TimerExpiryScheduler;

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    fired = [];
    scheduler = new TimerExpiryScheduler((fire) => Promise.resolve(fired.push(fire)), silentLog, clock);
  });

  afterEach(async () => {
    await scheduler.close();
    vi.useRealTimers();
  });

  it('fires once at the requested instant and forgets the schedule', async () => {
    await scheduler.arm({ sessionId: 's', scheduleName: 's-1', fireAt: Date.now() + 2000 });

    await vi.advanceTimersByTimeAsync(1999);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);

    expect(fired).toEqual([{ sessionId: 's', scheduleName: 's-1' }]);
    expect(scheduler.armed()).toEqual([]);
  });

  it('fires an overdue schedule at once', async () => {
    await scheduler.arm({ sessionId: 's', scheduleName: 's-1', fireAt: Date.now() - 60_000 });

    await vi.advanceTimersByTimeAsync(0);

    expect(fired).toEqual([{ sessionId: 's', scheduleName: 's-1' }]);
  });

  it('treats arming an armed name as success and keeps the first instant', async () => {
    await scheduler.arm({ sessionId: 's', scheduleName: 's-1', fireAt: Date.now() + 1000 });
    await scheduler.arm({ sessionId: 's', scheduleName: 's-1', fireAt: Date.now() + 5000 });

    await vi.advanceTimersByTimeAsync(1000);

    expect(fired).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(fired).toHaveLength(1);
  });

  it('never fires a disarmed schedule; disarming an unknown name is success', async () => {
    await scheduler.arm({ sessionId: 's', scheduleName: 's-1', fireAt: Date.now() + 1000 });

    await scheduler.disarm('s-1');
    await scheduler.disarm('nope');
    await vi.advanceTimersByTimeAsync(2000);

    expect(fired).toEqual([]);
  });

  it('waits past the longest timer delay without firing early', async () => {
    const fireAt = Date.now() + MAX_TIMER_DELAY_MS * 2 + 10;
    await scheduler.arm({ sessionId: 's', scheduleName: 's-1', fireAt });

    await vi.advanceTimersByTimeAsync(MAX_TIMER_DELAY_MS * 2);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(10);

    expect(fired).toHaveLength(1);
  });

  it('logs a failed fire and keeps going', async () => {
    const errors: string[] = [];
    const log: Log = { ...silentLog, error: (message) => errors.push(message) };
    const failing = new TimerExpiryScheduler(() => Promise.reject(new Error('boom')), log, clock);
    await failing.arm({ sessionId: 's', scheduleName: 's-1', fireAt: Date.now() });

    await vi.advanceTimersByTimeAsync(0);
    await failing.close();

    expect(errors).toEqual(['expiry fire failed']);
  });

  it('fires nothing after close', async () => {
    await scheduler.arm({ sessionId: 's', scheduleName: 's-1', fireAt: Date.now() + 1000 });

    await scheduler.close();
    await vi.advanceTimersByTimeAsync(2000);

    expect(fired).toEqual([]);
    await expect(scheduler.arm({ sessionId: 's', scheduleName: 's-2', fireAt: Date.now() })).rejects.toThrow(/closed/);
  });
});
