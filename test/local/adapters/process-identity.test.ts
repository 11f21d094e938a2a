import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ProcessTable, procTable, psTable } from '../../../local/adapters/process-identity';

// Above any pid_max (Linux allows at most 2^22, macOS 99998): no process has it.
const UNUSED_PID = 99_999_999;

const tables: [string, ProcessTable][] = [['ps', psTable]];
if (existsSync('/proc/self/stat')) tables.push(['/proc', procTable]);

describe.each(tables)('the %s process table', (_name, table) => {
  it('reports a running process with a start time that stays the same, and nothing for an unused pid', () => {
    const first = table.lookup(process.pid);

    expect(first).toEqual({ startTime: expect.stringMatching(/\S/) as unknown, zombie: false });
    expect(table.lookup(process.pid)).toEqual(first);
    expect(table.lookup(UNUSED_PID)).toBeUndefined();
  });
});
