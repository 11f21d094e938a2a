// Example-based tests of busy reports in the deadline policy (README "How a session's deadline
// works", Busy): the stretch, its maxSeconds, the activity level and the batching of busy reports.
import { describe, expect, it } from 'vitest';
import { activityLevel, applyHeartbeat, busyWrittenFromMs } from '../../../lambdas/domain/deadline-policy';
import { nextReportInSeconds } from '../../../lambdas/domain/next-report';
import { type Session, iso } from '../../../lambdas/domain/session';
import { sessionFixture } from '../../support/session-fixture';
import { HOUR, MINUTE, SECOND, T0 } from '../../support/time';
import { applyPatch } from './apply-patch';

/** Idle 15 min (write window 45 s); busy over 60 s windows, for at most an hour per stretch. */
const BUSY = { cpuPercent: 50, windowSeconds: 60, maxSeconds: 3600, unknownGraceSeconds: 300 };

const busyAt = (session: Session, atMs: number): Session => applyPatch(session, applyHeartbeat(session, { kind: 'busy' }, atMs));

describe('busy reports', () => {
  it('move the idle deadline from the report, leaving lastActivityAt to people', () => {
    const session = busyAt(sessionFixture({ now: T0, timeouts: { busy: BUSY } }), T0 + 10 * MINUTE);

    expect(session).toMatchObject({
      lastActivityAt: iso(T0),
      busySince: iso(T0 + 10 * MINUTE),
      lastBusyAt: iso(T0 + 10 * MINUTE),
      expiresAt: iso(T0 + 25 * MINUTE),
    });
  });

  it('never move an interaction deadline earlier', () => {
    const session = sessionFixture({ now: T0, lastActivityAt: iso(T0 + 20 * MINUTE), busySince: iso(T0), lastBusyAt: iso(T0), timeouts: { busy: BUSY } });

    expect(busyAt(session, T0 + 105 * SECOND).expiresAt).toBe(iso(T0 + 35 * MINUTE));
  });

  it('count up to maxSeconds into their stretch, and then keep it unbroken without moving anything', () => {
    let session = sessionFixture({ now: T0, timeouts: { busy: BUSY } });
    for (let at = T0; at <= T0 + 2 * HOUR; at += MINUTE) session = busyAt(session, at);

    expect(session).toMatchObject({ busySince: iso(T0), lastBusyAt: iso(T0 + 2 * HOUR), expiresAt: iso(T0 + HOUR + 15 * MINUTE) });
  });

  it('are shown as busy while they keep the session alive, after active and before idle', () => {
    const session = busyAt(sessionFixture({ now: T0, timeouts: { busy: BUSY } }), T0 + 5 * MINUTE);

    expect(activityLevel(session, T0 + MINUTE)).toBe('active');
    expect(activityLevel(session, T0 + 5 * MINUTE)).toBe('busy');
    expect(activityLevel(session, T0 + 5 * MINUTE + 105 * SECOND)).toBe('busy');
    expect(activityLevel(session, T0 + 5 * MINUTE + 106 * SECOND)).toBe('idle');
    const tooLong = { ...session, busySince: iso(T0 + 5 * MINUTE - HOUR - SECOND) };
    expect(activityLevel(tooLong, T0 + 5 * MINUTE)).toBe('idle');
  });

  it('are batched from lastBusyAt, and the answer says when the next busy report is written', () => {
    const session = busyAt(sessionFixture({ now: T0, timeouts: { busy: BUSY } }), T0 + 10 * MINUTE);

    expect(busyWrittenFromMs(session)).toBe(T0 + 10 * MINUTE + 45 * SECOND);
    expect(applyHeartbeat(session, { kind: 'busy' }, T0 + 10 * MINUTE + 44 * SECOND)).toBeUndefined();
    expect(nextReportInSeconds(session, undefined, T0 + 10 * MINUTE, 'busy')).toBe(45);
    // The interaction's window ran out long ago: an interaction now would be written.
    expect(nextReportInSeconds(session, undefined, T0 + 10 * MINUTE)).toBe(1);
  });

  it("are written at once when the idle deadline's warning is due while they still count", () => {
    // Idle 60 s, warned 58 s before: the warning (2 s after the last report) comes before the 3 s window ends.
    const session = busyAt(sessionFixture({ now: T0, timeouts: { idleTimeoutSeconds: 60, warnBeforeSeconds: 58, busy: BUSY } }), T0);

    expect(busyWrittenFromMs(session)).toBe(T0 + 2 * SECOND);
    expect(busyAt(session, T0 + 2 * SECOND).expiresAt).toBe(iso(T0 + 62 * SECOND));
  });
});
