// What the agent reads of its task at one moment (README "The session agent"): the CPU time its
// processes have used so far and how many CPUs it is allotted, and how full its memory and disk
// are. Any part may be unreadable; the busy decision treats a missing CPU reading as unmeasurable.
import { type ResourceUsage } from '../contract/wire';

/** Cumulative CPU time of the task's processes at one moment, and the task's CPU allocation. */
export interface CpuSample {
  /** CPU seconds used since some fixed origin (only differences matter). */
  cpuSeconds: number;
  /** Epoch milliseconds of the reading. */
  atMs: number;
  /** The task's CPU allocation in vCPUs (0.25 for 256 CPU units). */
  cpus: number;
}

/** The agent's reading of the task's own limits, as the activity routes take it (0..100 each). */
export type Usage = ResourceUsage;

export interface TaskReading {
  cpu?: CpuSample;
  usage: Usage;
}

/** A source of task readings: the ECS task metadata endpoint on Fargate, /proc locally. */
export interface TaskReader {
  /** Never throws: what cannot be read is left out. */
  read(): Promise<TaskReading>;
}

/**
 * The task's CPU use between two samples, in percent of its allocation (100: every allotted vCPU
 * busy the whole time), within 0..100. Undefined when no time passed. CPU time that went backwards
 * (processes reaped by someone outside the task) counts as none.
 */
export const cpuPercentBetween = (earlier: CpuSample, later: CpuSample): number | undefined => {
  const seconds = (later.atMs - earlier.atMs) / 1000;
  if (!(seconds > 0) || !(later.cpus > 0)) return undefined;
  const used = Math.max(0, later.cpuSeconds - earlier.cpuSeconds);
  return Math.min(100, (used / seconds / later.cpus) * 100);
};

/** A percentage rounded to one decimal and kept within 0..100, or undefined when it is not a number. */
export const percentOf = (used: number, total: number): number | undefined => {
  if (!Number.isFinite(used) || !Number.isFinite(total) || total <= 0) return undefined;
  return Math.round(Math.min(100, Math.max(0, (used / total) * 100)) * 10) / 10;
};
