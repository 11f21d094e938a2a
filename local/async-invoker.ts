// Lambda's asynchronous invocation, locally: the timers (Scheduler), the task runner (the ECS
// state-change rule) and the sweep interval (the sweep schedule) hand their event to the deployed
// handler through this, as AWS hands it to the function. A handler that throws is retried twice,
// after 1 s and then 2 s, the way Lambda retries a failed async invocation twice (retryAttempts 2
// in the stateless stack, one and then two minutes apart there). What still fails is rethrown to the caller,
// which logs it where AWS would send it to the function's dead-letter queue; the sweep then repairs
// the session (README "Architecture" and "Operations", the `…Messages` and `…Errors` alarms).
import { randomUUID } from 'node:crypto';
import { type Context } from 'aws-lambda';
import { errorSummary } from '../lambdas/handlers/async-runner';
import { type Log } from '../lambdas/ports/observability';
import { lambdaContext } from './api-gateway-event';

export type AsyncHandler<E, R> = (event: E, context: Context) => Promise<R>;

/** Delays before each retry: two retries, as `retryAttempts: 2` (scaled from Lambda's minutes to seconds). */
export const LOCAL_RETRY_DELAYS_MS: readonly number[] = [1000, 2000];

export class AsyncInvoker {
  private closed = false;
  private readonly waiting = new Set<() => void>();
  /** Invocations under way, so a stopping stack can let them finish before closing the table. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly log: Log,
    private readonly retryDelaysMs: readonly number[] = LOCAL_RETRY_DELAYS_MS,
  ) {}

  /**
   * Invokes `handler` with `event` until it returns, logging each retry. Resolves with the
   * handler's result; rejects with the last error (for the caller to log, as a dead letter) once
   * the retries are spent, or once the invoker is closed (a stopped stack retries nothing; the
   * next start sweeps).
   */
  invoke<E, R>(functionName: string, handler: AsyncHandler<E, R>, event: E): Promise<R> {
    const run = this.run(functionName, handler, event);
    const tracked = run.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
    return run;
  }

  /**
   * Resolves once every invocation under way has settled, or after `timeoutMs`: a stopping stack
   * waits for this before closing the table, so no handler writes to a closed database.
   */
  async settled(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      });
      await Promise.race([Promise.all([...this.inFlight]), bound]);
      clearTimeout(timer);
    }
  }

  private async run<E, R>(functionName: string, handler: AsyncHandler<E, R>, event: E): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await handler(event, lambdaContext(`session-expiry-${functionName}-local`, randomUUID()));
      } catch (error) {
        const delayMs = this.retryDelaysMs[attempt - 1];
        if (delayMs !== undefined && !this.closed) {
          this.log.warn(`${functionName} invocation failed; retrying`, { attempt, retryInMs: delayMs, error: errorSummary(error) });
          await this.pause(delayMs);
          if (!this.closed) continue;
        }
        throw error;
      }
    }
  }

  /** Cuts every pending retry delay short: those invocations give up with their last error. */
  close(): void {
    this.closed = true;
    for (const wake of this.waiting) wake();
  }

  private pause(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      // A pending retry alone must not keep the process alive (the HTTP server does that).
      timer.unref();
      this.waiting.add(wake);
    });
  }
}
