// The local task runner's stand-in for the ECS task launch rate (README "Starting at the rate ECS
// allows"): a token bucket of `burst` tokens refilled at `ratePerSecond`. A start finding the bucket
// empty is refused with what the ECS adapter makes of a RunTask ThrottlingException, so the start
// queue's retries are exercised on a laptop and in tests. Unlimited unless both are set
// (LOCAL_TASK_START_RATE, LOCAL_TASK_START_BURST).
import { classifyAwsError } from '../../lambdas/adapters/aws/aws-errors';
import { type Clock, systemClock } from '../../lambdas/ports/clock';

export interface TaskStartRate {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Bucket size: how many starts may happen at once after a quiet spell. */
  burst: number;
}

/** What RunTask answers when the launch rate is exceeded, as the SDK surfaces it. */
const runTaskThrottled = (): Error =>
  Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $retryable: { throttling: true } });

export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly rate: TaskStartRate,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(rate.ratePerSecond > 0) || !(rate.burst >= 1)) throw new RangeError('a task start rate needs ratePerSecond > 0 and burst >= 1');
    this.tokens = rate.burst;
    this.refilledAt = clock.now();
  }

  /** Takes a token, or throws the throttling error the ECS adapter would (an UnavailableError). */
  take(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.rate.ratePerSecond);
    this.refilledAt = now;
    if (this.tokens < 1) throw classifyAwsError(runTaskThrottled(), 'ECS RunTask');
    this.tokens -= 1;
  }
}

/** LOCAL_TASK_START_RATE / LOCAL_TASK_START_BURST, or undefined (unlimited) when unset. */
export const taskStartRateFromEnv = (env: NodeJS.ProcessEnv): TaskStartRate | undefined => {
  const rateRaw = env.LOCAL_TASK_START_RATE?.trim();
  const burstRaw = env.LOCAL_TASK_START_BURST?.trim();
  if (!rateRaw && !burstRaw) return undefined;
  const ratePerSecond = Number(rateRaw);
  if (!rateRaw || !Number.isFinite(ratePerSecond) || ratePerSecond <= 0) {
    throw new RangeError(`LOCAL_TASK_START_RATE must be a positive number of tasks per second (got ${JSON.stringify(rateRaw ?? '')})`);
  }
  const burst = burstRaw ? Number(burstRaw) : Math.max(1, Math.ceil(ratePerSecond));
  if (!Number.isInteger(burst) || burst < 1) {
    throw new RangeError(`LOCAL_TASK_START_BURST must be a whole number from 1 (got ${JSON.stringify(burstRaw)})`);
  }
  return { ratePerSecond, burst };
};
