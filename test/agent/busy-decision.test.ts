import { describe, expect, it } from 'vitest';
import { type BusyPolicy } from '../../contract/wire';
import { baselineOf, decideBusy } from '../../agent/busy-decision';
import { cpuPercentBetween } from '../../agent/task-reading';

const POLICY: BusyPolicy = { cpuPercent: 50, windowSeconds: 10, unknownGraceSeconds: 30 };
const sample = (cpuSeconds: number, atSeconds: number, cpus = 1) => ({ cpuSeconds, atMs: atSeconds * 1000, cpus });

describe('the busy decision', () => {
  it('is busy at or above the policy CPU percent of the task allocation, and ping below it', () => {
    const state = baselineOf(sample(0, 0, 0.5), 0);

    expect(decideBusy(POLICY, state, sample(2.5, 10, 0.5), 10_000)).toMatchObject({ kind: 'busy', cpuPercent: 50 });
    expect(decideBusy(POLICY, state, sample(2, 10, 0.5), 10_000)).toMatchObject({ kind: 'ping', cpuPercent: 40 });
  });

  it('measures each report against the previous reading, not the first', () => {
    const first = decideBusy(POLICY, baselineOf(sample(0, 0), 0), sample(10, 10), 10_000);
    const second = decideBusy(POLICY, first.state, sample(10.5, 20), 20_000);

    expect([first.kind, second.kind]).toEqual(['busy', 'ping']);
    expect(second.cpuPercent).toBe(5);
  });

  it('reports busy while it cannot measure, for at most unknownGraceSeconds from the first failed reading, then ping', () => {
    let state = baselineOf(sample(0, 0), 0);
    const kinds: string[] = [];
    for (const at of [10, 20, 30, 40, 50]) {
      const decision = decideBusy(POLICY, state, undefined, at * 1000);
      state = decision.state;
      kinds.push(decision.kind);
    }

    // First failure at 10 s: busy until 40 s (10 + 30), ping from then on.
    expect(kinds).toEqual(['busy', 'busy', 'busy', 'ping', 'ping']);
  });

  it('measures again once readings come back, and a later failure has its own grace', () => {
    const failed = decideBusy(POLICY, baselineOf(undefined, 0), undefined, 100_000);
    expect(failed.kind).toBe('ping');
    const back = decideBusy(POLICY, failed.state, sample(0, 110), 110_000);
    const measured = decideBusy(POLICY, back.state, sample(0, 120), 120_000);
    const failedAgain = decideBusy(POLICY, measured.state, undefined, 130_000);

    expect(measured).toMatchObject({ kind: 'ping', cpuPercent: 0 });
    expect(measured.state.unknownSince).toBeUndefined();
    expect(failedAgain.kind).toBe('busy');
  });

  it('only pings without a busy policy, whatever the CPU', () => {
    expect(decideBusy(undefined, baselineOf(sample(0, 0), 0), sample(10, 10), 10_000).kind).toBe('ping');
    expect(decideBusy(undefined, baselineOf(undefined, 0), undefined, 1000).kind).toBe('ping');
  });

  it('keeps CPU percent within 0..100: time that went backwards is none, more than the allocation is 100', () => {
    expect(cpuPercentBetween(sample(5, 0), sample(4, 10))).toBe(0);
    expect(cpuPercentBetween(sample(0, 0, 0.25), sample(10, 10, 0.25))).toBe(100);
    expect(cpuPercentBetween(sample(0, 10), sample(1, 10))).toBeUndefined();
  });
});
