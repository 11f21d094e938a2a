// The workload's CPU locally, from /proc (README "The session agent"): the user and system time of
// every process in the workload's process group (the local stack runs each task in its own group),
// including the time of the children each has reaped, but not the agent's own. Clock ticks are
// USER_HZ, 100 on every Linux architecture Node runs on. And the group's memory: the resident set
// (VmRSS) of the same processes against the task's memory (the profile's memoryMiB; README
// "Resource warnings"). Pages shared between them count once per process, so a group of forks reads
// high: a warning comes early, never late.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CpuSample, percentOf } from './task-reading';

const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command name: state is 0, pgrp 2, utime 11 … cstime 14. */
const statFields = (text: string): string[] => text.slice(text.lastIndexOf(')') + 2).trim().split(/\s+/);

export interface ProcGroupStatsOptions {
  /** Default /proc; tests point it at a directory of their own. */
  procRoot?: string;
  /** The process whose group is measured (the workload, or the agent itself without one). */
  memberPid: number;
  /** Processes left out of the sum (the agent). */
  excludePids?: readonly number[];
  /** The task's CPU allocation in vCPUs. */
  cpus: number;
  now?: () => number;
}

export class ProcGroupStats {
  private readonly procRoot: string;
  private group?: number;

  constructor(private readonly options: ProcGroupStatsOptions) {
    this.procRoot = options.procRoot ?? '/proc';
  }

  /** The group's CPU time now; undefined when /proc cannot be read or holds none of the group. */
  read(): CpuSample | undefined {
    const members = this.members();
    if (members === undefined) return undefined;
    const ticks = members.reduce((sum, { fields }) => sum + [11, 12, 13, 14].reduce((own, i) => own + (Number(fields[i]) || 0), 0), 0);
    return { cpuSeconds: ticks / TICKS_PER_SECOND, atMs: (this.options.now ?? Date.now)(), cpus: this.options.cpus };
  }

  /** The group's resident memory in percent of `memoryMiB`; undefined when it cannot be read. */
  memoryPercent(memoryMiB: number): number | undefined {
    const members = this.members();
    if (members === undefined) return undefined;
    let kib = 0;
    for (const { pid } of members) {
      try {
        const line = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(join(this.procRoot, pid, 'status'), 'utf8'));
        kib += Number(line?.[1] ?? 0); // kernel threads and zombies have none
      } catch {
        // exited since the listing
      }
    }
    return percentOf(kib, memoryMiB * 1024);
  }

  /** The processes of the group but the excluded ones, with their stat fields; undefined: none, or no /proc. */
  private members(): { pid: string; fields: string[] }[] | undefined {
    try {
      const group = (this.group ??= Number(statFields(readFileSync(join(this.procRoot, String(this.options.memberPid), 'stat'), 'utf8'))[2]));
      if (!Number.isInteger(group) || group <= 0) return undefined;
      const excluded = new Set(this.options.excludePids ?? []);
      const members: { pid: string; fields: string[] }[] = [];
      for (const pid of readdirSync(this.procRoot)) {
        if (!/^\d+$/.test(pid) || excluded.has(Number(pid))) continue;
        let fields: string[];
        try {
          fields = statFields(readFileSync(join(this.procRoot, pid, 'stat'), 'utf8'));
        } catch {
          continue; // exited between the listing and the read
        }
        if (Number(fields[2]) === group) members.push({ pid, fields });
      }
      return members.length > 0 ? members : undefined;
    } catch {
      return undefined;
    }
  }
}
