import { describe, expect, it } from 'vitest';
import { nextReportWaitSeconds } from '../../agent/report-timing';
import { sessionView } from '../cli/fake-api';

const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const session = (expiresInSeconds: number, timeouts: Partial<ReturnType<typeof sessionView>['timeouts']> = {}) => {
  const view = sessionView();
  return { expiresAt: new Date(NOW + expiresInSeconds * 1000).toISOString(), timeouts: { ...view.timeouts, warnBeforeSeconds: undefined, ...timeouts } };
};
const POLICY = { cpuPercent: 50, windowSeconds: 20, unknownGraceSeconds: 300 };

describe('when the agent reports next', () => {
  it('once per busy window with a policy, every pingSeconds without', () => {
    expect(nextReportWaitSeconds({ session: session(900), nextReportInSeconds: 1, policy: POLICY, pingSeconds: 30 }, NOW)).toBe(20);
    expect(nextReportWaitSeconds({ session: session(900), nextReportInSeconds: 1, policy: undefined, pingSeconds: 30 }, NOW)).toBe(30);
  });

  it('never later than half the idle timeout, never sooner than nextReportInSeconds', () => {
    expect(nextReportWaitSeconds({ session: session(900, { idleTimeoutSeconds: 10 }), nextReportInSeconds: 1, policy: POLICY, pingSeconds: 30 }, NOW)).toBe(5);
    expect(nextReportWaitSeconds({ session: session(900), nextReportInSeconds: 45, policy: POLICY, pingSeconds: 30 }, NOW)).toBe(45);
  });

  it('no later than the start of the warning lead, so the warning is seen when it begins', () => {
    const wait = nextReportWaitSeconds({ session: session(70, { warnBeforeSeconds: 60 }), nextReportInSeconds: 1, policy: undefined, pingSeconds: 30 }, NOW);

    expect(wait).toBe(10);
  });

  it('waits at least a second, whatever the inputs', () => {
    expect(nextReportWaitSeconds({ session: session(900, { idleTimeoutSeconds: 1 }), nextReportInSeconds: 0, policy: POLICY, pingSeconds: 30 }, NOW)).toBe(1);
  });
});
