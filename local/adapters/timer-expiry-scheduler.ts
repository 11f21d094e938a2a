// The local stand-in for EventBridge Scheduler one-time schedules: one in-process timer per schedule
// name, deleted after it fires (like ActionAfterCompletion: DELETE). Timers die with the process; the
// local stack re-arms every live session from the store on start, and the sweep is the safety net.
import { type ArmRequest, type ExpiryScheduler, type ScheduledFire, fireOf } from '../../lambdas/ports/expiry-scheduler';
import { type Log } from '../../lambdas/ports/observability';
import { type Clock, systemClock } from '../../lambdas/ports/clock';

/** setTimeout's largest delay (about 24.8 days); longer ones fire at once, so we wait in steps. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export type FireHandler = (fire: ScheduledFire) => Promise<unknown>;

export class TimerExpiryScheduler implements ExpiryScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly onFire: FireHandler,
    private readonly log: Log,
    private readonly clock: Clock = systemClock,
  ) {}

  arm(request: ArmRequest): Promise<void> {
    if (this.closed) return Promise.reject(new Error('scheduler is closed'));
    // Arming a name that is already armed is success, as with a ConflictException on AWS.
    if (!this.timers.has(request.scheduleName)) this.set(request);
    return Promise.resolve();
  }

  disarm(scheduleName: string): Promise<void> {
    clearTimeout(this.timers.get(scheduleName));
    this.timers.delete(scheduleName);
    return Promise.resolve();
  }

  /** Names of the schedules waiting to fire. */
  armed(): string[] {
    return [...this.timers.keys()];
  }

  /** Clears every timer and waits for fires already running; nothing fires afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private set(request: ArmRequest): void {
    const delay = Math.max(0, request.fireAt - this.clock.now());
    const timer = setTimeout(() => {
      if (delay > MAX_TIMER_DELAY_MS) {
        this.timers.delete(request.scheduleName);
        this.set(request);
      } else {
        this.fire(request);
      }
    }, Math.min(delay, MAX_TIMER_DELAY_MS));
    // A pending schedule alone must not keep the process alive (the HTTP server does that).
    timer.unref();
    this.timers.set(request.scheduleName, timer);
  }

  private fire(request: ArmRequest): void {
    const { scheduleName } = request;
    this.timers.delete(scheduleName);
    if (this.closed) return;
    const run = this.onFire(fireOf(request)).then(
      () => undefined,
      (error: unknown) => {
        // Like a failed Lambda invocation after its retries: logged, and the sweep catches the session.
        this.log.error('expiry fire failed', { scheduleName, error: String(error) });
      },
    );
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }
}
