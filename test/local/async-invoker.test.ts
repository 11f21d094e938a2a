// Lambda's async invocation, locally: a handler that throws is retried a bounded number of times
// with a delay between attempts, each retry logged; what still fails reaches the caller; a closed
// invoker retries nothing more.
import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../../lambdas/domain/errors';
import { AsyncInvoker, LOCAL_RETRY_DELAYS_MS } from '../../local/async-invoker';
import { RecordingLog } from '../support/fakes';

/** A handler that fails its first `failures` calls, recording the event and context of each. */
const flaky = (failures: number) => {
  const calls: { event: unknown; requestId: string }[] = [];
  const handler = (event: unknown, context: { awsRequestId: string }): Promise<string> => {
    calls.push({ event, requestId: context.awsRequestId });
    return calls.length <= failures ? Promise.reject(new UnavailableError('throttled')) : Promise.resolve('done');
  };
  return { calls, handler };
};

describe('AsyncInvoker', () => {
  it('retries twice by default, as Lambda does an async invocation', () => {
    expect(LOCAL_RETRY_DELAYS_MS).toHaveLength(2);
  });

  it('retries a failed invocation with the same event and returns what the retry returned', async () => {
    const log = new RecordingLog();
    const { calls, handler } = flaky(2);
    const started = Date.now();

    const result = await new AsyncInvoker(log, [20, 40]).invoke('expire', handler, { sessionId: 's-1' });

    expect(result).toBe('done');
    expect(calls.map((c) => c.event)).toEqual([{ sessionId: 's-1' }, { sessionId: 's-1' }, { sessionId: 's-1' }]);
    expect(new Set(calls.map((c) => c.requestId)).size).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    expect(log.entries.filter((e) => e.level === 'warn').map((e) => e.extra?.['attempt'])).toEqual([1, 2]);
  });

  it('gives up after its retries and hands the last error to the caller', async () => {
    const { calls, handler } = flaky(5);

    await expect(new AsyncInvoker(new RecordingLog(), [1, 1]).invoke('task-event', handler, {})).rejects.toThrow(UnavailableError);
    expect(calls).toHaveLength(3);
  });

  it('stops retrying once closed, without waiting out the delay', async () => {
    const invoker = new AsyncInvoker(new RecordingLog(), [60_000]);
    const { calls, handler } = flaky(1);

    const invocation = invoker.invoke('sweep', handler, {});
    await new Promise((resolve) => setImmediate(resolve));
    invoker.close();

    await expect(invocation).rejects.toThrow('throttled');
    expect(calls).toHaveLength(1);
  });

  it('settles once the invocations under way have finished, so a stopping stack closes the table after them', async () => {
    const invoker = new AsyncInvoker(new RecordingLog(), [10]);
    let finish: (() => void) | undefined;
    let finished = false;
    const slow = (): Promise<string> =>
      new Promise((resolve) => {
        finish = () => {
          finished = true;
          resolve('late');
        };
      });
    const running = invoker.invoke('task-event', slow, {});
    const settled = invoker.settled(5_000).then(() => finished);
    setImmediate(() => finish?.());

    expect(await settled).toBe(true);
    expect(await running).toBe('late');
    // Nothing under way: at once.
    await invoker.settled(5_000);
  });

  it('stops waiting for an invocation that never settles after the bound', async () => {
    const invoker = new AsyncInvoker(new RecordingLog(), []);
    void invoker.invoke('expire', () => new Promise<never>(() => undefined), {});
    await invoker.settled(20);
  });
});
