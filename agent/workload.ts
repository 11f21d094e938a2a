// Wrapper mode (README "The session agent"): `session-agent -- <command…>` runs the workload as its
// child, in its own process group when the agent leads one (the local stack starts every task in a
// group of its own), passes SIGTERM and SIGINT on, and ends with the workload's exit code.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';

export interface WorkloadExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The exit code a shell would report: the code, or 128 + the signal's number. */
export const exitCodeOf = ({ code, signal }: WorkloadExit): number => {
  if (code !== null) return code;
  const number = signal === null ? undefined : constants.signals[signal];
  return number === undefined ? 1 : 128 + number;
};

/** The agent's own settings (SESSION_AGENT_*) are not the workload's business; everything else is. */
export const workloadEnvironment = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('SESSION_AGENT_')));

/** Whether this process leads its process group (then a signal to the group reaches the whole workload). */
const leadsProcessGroup = (): boolean => {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === process.pid;
  } catch {
    return false;
  }
};

export class Workload {
  readonly exited: Promise<WorkloadExit>;
  private readonly child: ChildProcess;
  private readonly wholeGroup = leadsProcessGroup();
  private exit?: WorkloadExit;

  constructor(command: readonly string[]) {
    const [program, ...args] = command;
    if (program === undefined) throw new Error('no workload command after --');
    this.child = spawn(program, args, { stdio: 'inherit', env: workloadEnvironment(process.env) });
    this.exited = new Promise((resolveExit) => {
      this.child.once('error', (error) => {
        process.stderr.write(`session-agent: cannot run ${program}: ${(error as NodeJS.ErrnoException).code ?? error.message}\n`);
        this.exit = { code: 127, signal: null };
        resolveExit(this.exit);
      });
      this.child.once('exit', (code, signal) => {
        this.exit ??= { code, signal };
        resolveExit(this.exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /**
   * Signals the workload: its whole process group when the agent leads it (the agent ignores its
   * copy). SIGKILL goes to the workload alone, since the group holds the agent too; locally the task
   * runner's own SIGKILL of the group after the stop timeout takes whatever is left.
   */
  signal(signal: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      if (this.wholeGroup && signal !== 'SIGKILL') process.kill(-process.pid, signal);
      else this.child.kill(signal);
    } catch {
      // already gone
    }
  }
}
