// The profile's hook command (README "The session agent"): run once when a warning first appears
// for a deadline and once before the workload is stopped, a chance to save work. It gets the
// task's environment plus SESSION_AGENT_EVENT (`warning` or `stop`), and is killed when its time
// is up, so a hung hook never holds up the stop.
import { spawn } from 'node:child_process';

export type HookEvent = 'warning' | 'stop';

export interface HookResult {
  /** The exit code, or undefined when it was killed or could not start. */
  code?: number;
  timedOut: boolean;
  error?: string;
}

export const runHook = (command: readonly string[], event: HookEvent, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<HookResult> =>
  new Promise((resolveHook) => {
    const [program, ...args] = command;
    if (program === undefined) {
      resolveHook({ timedOut: false, error: 'empty command' });
      return;
    }
    let timedOut = false;
    const child = spawn(program, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...env, SESSION_AGENT_EVENT: event } });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, Math.max(0, timeoutMs));
    child.once('error', (error) => {
      clearTimeout(timer);
      resolveHook({ timedOut: false, error: (error as NodeJS.ErrnoException).code ?? error.message });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveHook({ timedOut, ...(code !== null && { code }) });
    });
  });
