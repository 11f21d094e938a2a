// Polling with a bound, for tests of asynchronous outcomes (a process dies, a record changes):
// never a fixed sleep, never an unbounded wait.
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  /** Give up after this long (default 5 s). */
  timeoutMs?: number;
  /** Pause between checks (default 50 ms). */
  intervalMs?: number;
  /** Said in the error when time runs out; a function is asked then, for what is known only at the end. */
  what?: string | (() => string);
}

/** Resolves with the first truthy value `check` returns; rejects when time runs out. */
export const waitFor = async <T>(check: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> => {
  const { timeoutMs = 5000, intervalMs = 50, what = 'condition' } = options;
  const giveUpAt = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > giveUpAt) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}${detail}`);
    }
    await delay(intervalMs);
  }
};

/**
 * Whether a process with this pid runs (signal 0 checks without signalling). A zombie counts as gone:
 * in a container nothing may reap a re-parented grandchild.
 */
export const pidExists = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return !existsSync('/proc/self/stat');
  }
};
