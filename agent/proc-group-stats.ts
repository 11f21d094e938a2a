// The workload's CPU locally, from /proc (README "The session agent"): the user and system time of
// every process in the workload's process group (the local stack runs each task in its own group),
// including the time of the children each has reaped, but not the agent's own. Clock ticks are
// USER_HZ, 100 on every Linux architecture Node runs on.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CpuSample } from './task-reading';

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
    try {
      const group = (this.group ??= Number(statFields(readFileSync(join(this.procRoot, String(this.options.memberPid), 'stat'), 'utf8'))[2]));
      if (!Number.isInteger(group) || group <= 0) return undefined;
      const excluded = new Set(this.options.excludePids ?? []);
      let ticks = 0;
      let members = 0;
      for (const name of readdirSync(this.procRoot)) {
        if (!/^\d+$/.test(name) || excluded.has(Number(name))) continue;
        let fields: string[];
        try {
          fields = statFields(readFileSync(join(this.procRoot, name, 'stat'), 'utf8'));
        } catch {
          continue; // exited between the listing and the read
        }
        if (Number(fields[2]) !== group) continue;
        members += 1;
        ticks += [11, 12, 13, 14].reduce((sum, i) => sum + (Number(fields[i]) || 0), 0);
      }
      if (members === 0) return undefined;
      return { cpuSeconds: ticks / TICKS_PER_SECOND, atMs: (this.options.now ?? Date.now)(), cpus: this.options.cpus };
    } catch {
      return undefined;
    }
  }
}
