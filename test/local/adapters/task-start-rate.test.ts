import { describe, expect, it } from 'vitest';
import { isThrottling } from '../../../lambdas/adapters/aws/aws-errors';
import { UnavailableError } from '../../../lambdas/domain/errors';
import { TokenBucket, taskStartRateFromEnv } from '../../../local/adapters/task-start-rate';
import { FakeClock, T0 } from '../../support/fakes';

describe('TokenBucket (the local ECS-like launch rate)', () => {
  it('allows the burst at once, then the rate, and refuses beyond it as the ECS adapter maps a RunTask throttle', () => {
    const clock = new FakeClock(T0);
    const bucket = new TokenBucket({ ratePerSecond: 5, burst: 10 }, clock);
    for (let i = 0; i < 10; i++) bucket.take();

    let refused: unknown;
    try {
      bucket.take();
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(UnavailableError);
    expect(isThrottling((refused as UnavailableError).cause)).toBe(true);

    clock.advance(1000);
    for (let i = 0; i < 5; i++) bucket.take();
    expect(() => bucket.take()).toThrow(UnavailableError);
  });

  it('reads LOCAL_TASK_START_RATE / LOCAL_TASK_START_BURST; unset is unlimited', () => {
    expect(taskStartRateFromEnv({})).toBeUndefined();
    expect(taskStartRateFromEnv({ LOCAL_TASK_START_RATE: '20', LOCAL_TASK_START_BURST: '100' })).toEqual({ ratePerSecond: 20, burst: 100 });
    expect(taskStartRateFromEnv({ LOCAL_TASK_START_RATE: '2.5' })).toEqual({ ratePerSecond: 2.5, burst: 3 });
    expect(() => taskStartRateFromEnv({ LOCAL_TASK_START_RATE: 'fast' })).toThrow(/LOCAL_TASK_START_RATE/);
    expect(() => taskStartRateFromEnv({ LOCAL_TASK_START_RATE: '5', LOCAL_TASK_START_BURST: '0' })).toThrow(/LOCAL_TASK_START_BURST/);
  });
});
