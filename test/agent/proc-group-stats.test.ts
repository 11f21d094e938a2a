// The /proc reader against a fake proc root: stat lines written by the test, as the kernel spells them.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProcGroupStats } from '../../agent/proc-group-stats';

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'fake-proc-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** One /proc/<pid>/stat: the command name may hold spaces and parentheses. */
const processEntry = (pid: number, pgrp: number, ticks: { utime: number; stime: number; cutime?: number; cstime?: number }, comm = 'node') => {
  mkdirSync(join(root, String(pid)), { recursive: true });
  const after = ['S', '1', String(pgrp), String(pgrp), '0', '-1', '4194560', '0', '0', '0', '0', String(ticks.utime), String(ticks.stime), String(ticks.cutime ?? 0), String(ticks.cstime ?? 0), '20', '0', '1', '0', '12345'];
  writeFileSync(join(root, String(pid), 'stat'), `${pid} (${comm}) ${after.join(' ')}\n`);
};

describe('the /proc group reader', () => {
  it('sums user, system and reaped children time of the whole group but the agent, in seconds', () => {
    processEntry(100, 100, { utime: 5, stime: 5 }); // the agent, leading the group: left out
    processEntry(101, 100, { utime: 150, stime: 50, cutime: 100, cstime: 0 }, 'sh -c (burn)');
    processEntry(102, 100, { utime: 100, stime: 0 });
    processEntry(200, 200, { utime: 9999, stime: 9999 }); // another group
    const reader = new ProcGroupStats({ procRoot: root, memberPid: 101, excludePids: [100], cpus: 0.5, now: () => 42 });

    expect(reader.read()).toEqual({ cpuSeconds: 4, atMs: 42, cpus: 0.5 });
  });

  it('cannot measure when the proc root is missing or holds none of the group', () => {
    expect(new ProcGroupStats({ procRoot: join(root, 'missing'), memberPid: 1, cpus: 1 }).read()).toBeUndefined();
    processEntry(101, 100, { utime: 1, stime: 1 });

    expect(new ProcGroupStats({ procRoot: root, memberPid: 101, excludePids: [101], cpus: 1 }).read()).toBeUndefined();
  });

  it("reads the group's resident memory but the agent's, in percent of the task's memory", () => {
    const status = (pid: number, rssKib?: number) =>
      writeFileSync(join(root, String(pid), 'status'), `Name:\tnode\nVmPeak:\t 999999 kB\n${rssKib === undefined ? '' : `VmRSS:\t ${rssKib} kB\n`}Threads:\t1\n`);
    processEntry(100, 100, { utime: 0, stime: 0 });
    status(100, 400 * 1024); // the agent: left out
    processEntry(101, 100, { utime: 0, stime: 0 });
    status(101, 200 * 1024);
    processEntry(102, 100, { utime: 0, stime: 0 });
    status(102, 56 * 1024);
    processEntry(103, 100, { utime: 0, stime: 0 });
    status(103); // a zombie: no resident set
    processEntry(200, 200, { utime: 0, stime: 0 });
    status(200, 9999 * 1024); // another group
    const reader = new ProcGroupStats({ procRoot: root, memberPid: 101, excludePids: [100], cpus: 1 });

    expect(reader.memoryPercent(512)).toBe(50);
    expect(new ProcGroupStats({ procRoot: join(root, 'missing'), memberPid: 1, cpus: 1 }).memoryPercent(512)).toBeUndefined();
  });

  it('reads the real /proc of this process', () => {
    const sample = new ProcGroupStats({ memberPid: process.pid, cpus: 1 }).read();

    expect(sample?.cpuSeconds).toBeGreaterThan(0);
    expect(new ProcGroupStats({ memberPid: process.pid, cpus: 1 }).memoryPercent(4096)).toBeGreaterThan(0);
  });
});
