// What the CLI touches of the outside world, passed in so tests can run it in-process: two output
// streams, the environment, the clock and waiting. The entry point passes process.stdout/stderr/env.

/** A writable stream; `isTTY` and `columns` decide whether a progress display is drawn. */
export type CliStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  env: Readonly<Record<string, string | undefined>>;
  /** Epoch milliseconds; "expires in" columns are relative to it. */
  now?: () => number;
  /** Waits; defaults to a timer. `heartbeat --for` waits between reports with it. */
  sleep?: (ms: number) => Promise<void>;
  /** Where relative paths (the local data dir) are resolved; defaults to process.cwd(). */
  cwd?: string;
}

export const writeLine = (stream: CliStream, line = ''): void => {
  stream.write(`${line}\n`);
};
