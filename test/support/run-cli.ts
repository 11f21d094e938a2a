// Runs sessionctl in-process with captured output and a clock that starts at T0 and moves only when
// the CLI waits (instantly, recorded in `sleptMs`), for the CLI tests against a fake API and the
// end-to-end tests against the local stack.
import { Writable } from 'node:stream';
import { type CliIo } from '../../cli/cli-io';
import { run } from '../../cli/program';
import { T0 } from './time';

/** Collects what is written to it; `isTTY` lets a test pose as a terminal. */
export class CapturedStream extends Writable {
  text = '';
  isTTY?: boolean;
  columns?: number;

  constructor(options: { tty?: boolean } = {}) {
    super();
    if (options.tty === true) {
      this.isTTY = true;
      this.columns = 100;
    }
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Every wait of the CLI, in order. */
  sleptMs: number[];
}

export const runCli = async (
  argv: readonly string[],
  options: { env?: Record<string, string | undefined>; cwd?: string; stderrTty?: boolean } = {},
): Promise<CliRun> => {
  const stdout = new CapturedStream();
  const stderr = new CapturedStream({ tty: options.stderrTty === true });
  let nowMs = T0;
  const sleptMs: number[] = [];
  const io: CliIo = {
    stdout,
    stderr,
    env: options.env ?? {},
    now: () => nowMs,
    sleep: (ms) => {
      sleptMs.push(ms);
      nowMs += ms;
      return Promise.resolve();
    },
    ...(options.cwd !== undefined && { cwd: options.cwd }),
  };
  const code = await run(argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text, sleptMs };
};
