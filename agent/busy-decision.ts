// Whether the agent reports `busy` or `ping` (README "The session agent"): busy when the task used
// at least the policy's `cpuPercent` of its CPU allocation since the last reading. When it cannot
// measure, it says busy for at most `unknownGraceSeconds` from the first reading it could not use,
// then only ping, so a broken agent never keeps a session alive for long. Pure: the loop keeps the
// state and passes the time in.
import { type BusyPolicy } from '../contract/wire';
import { type CpuSample, cpuPercentBetween } from './task-reading';

export interface BusyState {
  /** The last usable CPU sample, the start of the next measurement. */
  previous?: CpuSample;
  /** Epoch ms of the first reading since the last measurement that gave no percentage. */
  unknownSince?: number;
}

export interface BusyDecision {
  kind: 'busy' | 'ping';
  state: BusyState;
  /** The measured CPU percentage, when there was one. */
  cpuPercent?: number;
}

/** The decision for one report, from the reading taken just before it. */
export const decideBusy = (policy: BusyPolicy | undefined, state: BusyState, sample: CpuSample | undefined, nowMs: number): BusyDecision => {
  const percent = sample !== undefined && state.previous !== undefined ? cpuPercentBetween(state.previous, sample) : undefined;
  const previous = sample ?? state.previous;
  if (percent !== undefined) {
    const kind = policy !== undefined && percent >= policy.cpuPercent ? 'busy' : 'ping';
    return { kind, state: { ...(previous !== undefined && { previous }) }, cpuPercent: percent };
  }
  // No sample now, or a first one with nothing to compare with: unmeasurable for this report.
  const unknownSince = state.unknownSince ?? nowMs;
  const next: BusyState = { unknownSince, ...(sample !== undefined && { previous: sample }) };
  if (policy === undefined) return { kind: 'ping', state: next };
  return { kind: nowMs - unknownSince < policy.unknownGraceSeconds * 1000 ? 'busy' : 'ping', state: next };
};

/** The first reading, taken at connect: the baseline of the first measurement, no decision yet. */
export const baselineOf = (sample: CpuSample | undefined, nowMs: number): BusyState =>
  sample === undefined ? { unknownSince: nowMs } : { previous: sample };
