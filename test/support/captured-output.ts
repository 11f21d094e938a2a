// Runs a handler (or any code that logs through Powertools) while recording what it writes to
// stdout/stderr (the Powertools log and EMF lines), so tests stay quiet and can assert on the logs.
import { vi } from 'vitest';

/** Runs `run`, appending every chunk written to stdout or stderr meanwhile to `output`. */
export const captureOutput = async <T>(output: string[], run: () => T | Promise<T>): Promise<T> => {
  const record = (chunk: unknown): boolean => {
    output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(record);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(record);
  try {
    return await run();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
};

/** The JSON log lines among the output. */
export const logLines = (output: readonly string[]): Record<string, unknown>[] =>
  output
    .join('')
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
