// Telling a local task's process from another that later got the same pid. The runner records the
// process's start time when it spawns the task; a process with that pid is the task only while its
// start time still matches. Linux has it in /proc; elsewhere (macOS) `ps` reports it. Where neither
// answers, nothing proves a pid is still the task, and the runner must not signal it (README, Known
// limits).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** What the system says about the process that holds a pid right now. */
export interface ProcessInfo {
  /** When the process started, as this table spells it: differs for any later process with the pid. */
  startTime: string;
  /** Exited but not yet reaped: it holds its pid and runs nothing. */
  zombie: boolean;
}

export interface ProcessTable {
  /** Named in log lines. */
  readonly name: string;
  /** The process holding this pid; undefined when there is none or this table cannot tell. */
  lookup(pid: number): ProcessInfo | undefined;
}

/** Linux: fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
export const procTable: ProcessTable = {
  name: '/proc',
  lookup(pid) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return undefined;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Field 3 is the state, field 22 the start time in clock ticks since boot.
    const [state, startTime] = [fields[0], fields[19]];
    if (state === undefined || startTime === undefined) return undefined;
    return { startTime, zombie: state === 'Z' || state === 'X' };
  },
};

/**
 * Any POSIX system with `ps` (macOS, Linux): the state and the start time to the second. A pid is
 * reused within the second it was given out only after the whole pid range wrapped around, so that
 * second tells the task apart. Fixed locale and zone, so a restarted stack reads what it recorded.
 */
export const psTable: ProcessTable = {
  name: 'ps',
  lookup(pid) {
    let out: string;
    try {
      out = execFileSync('ps', ['-o', 'stat=', '-o', 'lstart=', '-p', String(pid)], {
        encoding: 'utf8',
        env: { PATH: '/bin:/usr/bin', LC_ALL: 'C', TZ: 'UTC' },
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 5000,
      });
    } catch {
      // Exit status 1: no such process. Anything else: no ps, so nothing to tell by.
      return undefined;
    }
    const match = /^\s*(\S+)\s+(\S.*?)\s*$/.exec(out);
    if (!match) return undefined;
    return { startTime: match[2], zombie: match[1].startsWith('Z') };
  },
};

/** /proc where there is one (Linux), else `ps` (macOS). */
export const systemProcessTable = (): ProcessTable => (existsSync('/proc/self/stat') ? procTable : psTable);
