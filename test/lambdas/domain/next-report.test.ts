// When a client's next report matters: reporting another interaction sooner than the answer's
// nextReportInSeconds never changes the record or the deadline; from the moment it matters on
// (at most a second after it, by the rounding down), the report is written.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyHeartbeat } from '../../../lambdas/domain/deadline-policy';
import { nextReportInSeconds, nextReportMattersAtMs } from '../../../lambdas/domain/next-report';
import { type Session, iso, ms } from '../../../lambdas/domain/session';
import { sessionFixture } from '../../support/session-fixture';
import { HOUR, MINUTE, SECOND, T0 } from '../../support/time';
import { applyPatch } from './apply-patch';

describe('nextReportInSeconds', () => {
  it('is the whole batching window right after a written interaction', () => {
    const session = sessionFixture({ now: T0, timeouts: { idleTimeoutSeconds: 900 } });

    expect(nextReportInSeconds(session, undefined, T0)).toBe(45);
  });

  it('is what is left of the window, rounded down, so a report that soon is still batched', () => {
    const session = sessionFixture({ now: T0, timeouts: { idleTimeoutSeconds: 900 } });

    expect(nextReportInSeconds(session, undefined, T0 + 10 * SECOND)).toBe(35);
    expect(nextReportInSeconds(session, undefined, T0 + 10 * SECOND + 1)).toBe(34);
  });

  it('is 1 once less than a second is left or the window is over: the next interaction is written whenever it comes', () => {
    const session = sessionFixture({ now: T0, timeouts: { idleTimeoutSeconds: 900 } });

    expect(nextReportInSeconds(session, undefined, T0 + 44 * SECOND + 500)).toBe(1);
    expect(nextReportInSeconds(session, undefined, T0 + 10 * MINUTE)).toBe(1);
  });

  it('is exact after a write whatever the idle timeout: the window is whole seconds', () => {
    const session = sessionFixture({ now: T0, timeouts: { idleTimeoutSeconds: 90 } }); // 4.5 s, rounded up

    expect(nextReportInSeconds(session, undefined, T0)).toBe(5);
    expect(applyHeartbeat(session, { kind: 'interaction' }, T0 + 5 * SECOND - 1)).toBeUndefined();
    expect(applyHeartbeat(session, { kind: 'interaction' }, T0 + 5 * SECOND)).toBeDefined();
  });

  it('is cut short by the idle deadline warning when that comes before the window ends', () => {
    const session = sessionFixture({ now: T0, timeouts: { idleTimeoutSeconds: 60, warnBeforeSeconds: 58 } });

    expect(nextReportInSeconds(session, undefined, T0)).toBe(2); // the window alone would be 3 s
  });

  it("is cut short by the rewrite of the named connection's seen-time, and only for that connection", () => {
    // Idle 600 s: a seen-time is rewritten once 300 s old; tab-1 was seen 290 s before the activity.
    const session = sessionFixture({ now: T0, openConnections: { 'tab-1': iso(T0 - 290 * SECOND) }, timeouts: { idleTimeoutSeconds: 600 } });

    expect(nextReportInSeconds(session, 'tab-1', T0)).toBe(10);
    expect(nextReportInSeconds(session, 'tab-2', T0)).toBe(30);
    expect(nextReportInSeconds(session, undefined, T0)).toBe(30);
  });
});

const CONNECTION_IDS = ['tab-a', 'tab-b', 'tab-c'] as const;

/** Stored sessions with every input of the rule: warnings (sent or not, shorter or longer than idle), extends, connections. */
const sessionArb: fc.Arbitrary<Session> = fc
  .record({
    idleTimeoutSeconds: fc.integer({ min: 1, max: 4 * 3600 }),
    maxLifetimeSeconds: fc.integer({ min: 1, max: 24 * 3600 }),
    warnBeforeSeconds: fc.option(fc.integer({ min: 1, max: 4 * 3600 }), { nil: undefined }),
    warned: fc.boolean(),
    lastActivityOffsetMs: fc.integer({ min: 0, max: 24 * HOUR }),
    extendedOffsetMs: fc.option(fc.integer({ min: 0, max: 30 * HOUR }), { nil: undefined }),
    openConnections: fc.dictionary(fc.constantFrom(...CONNECTION_IDS), fc.integer({ min: 0, max: 24 * HOUR }).map((o) => iso(T0 + o)), { maxKeys: 3 }),
  })
  .map((r) => {
    const session = sessionFixture({
      now: T0,
      lastActivityAt: iso(T0 + r.lastActivityOffsetMs),
      openConnections: r.openConnections,
      ...(r.extendedOffsetMs !== undefined && { extendedUntil: iso(Math.min(T0 + r.extendedOffsetMs, T0 + r.maxLifetimeSeconds * SECOND)) }),
      timeouts: { idleTimeoutSeconds: r.idleTimeoutSeconds, maxLifetimeSeconds: r.maxLifetimeSeconds, warnBeforeSeconds: r.warnBeforeSeconds },
    });
    return r.warned ? { ...session, warnedFor: session.expiresAt } : session;
  });

const scenarioArb = fc.record({
  session: sessionArb,
  connectionId: fc.option(fc.constantFrom(...CONNECTION_IDS, 'never-connected'), { nil: undefined }),
  /** When the answer is given, relative to the last activity. */
  answerOffsetMs: fc.integer({ min: 0, max: 2 * HOUR }),
  /** Where in [answer, answer + nextReportInSeconds) the early report lands, and how long after the moment the late one. */
  earlyFraction: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  lateMs: fc.integer({ min: 0, max: HOUR }),
});

describe('nextReportInSeconds properties', () => {
  it('a report sooner than it changes nothing; one at or after the moment it matters is written', () => {
    fc.assert(
      fc.property(scenarioArb, ({ session, connectionId, answerOffsetMs, earlyFraction, lateMs }) => {
        const answeredAt = ms(session.lastActivityAt) + answerOffsetMs;
        const seconds = nextReportInSeconds(session, connectionId, answeredAt);
        const mattersAt = nextReportMattersAtMs(session, connectionId);
        const report = { kind: 'interaction' as const, ...(connectionId !== undefined && { connectionId }) };

        expect(Number.isInteger(seconds) && seconds >= 1).toBe(true);
        if (mattersAt - answeredAt >= SECOND) {
          // Rounded down, but never by a whole second.
          expect(answeredAt + seconds * SECOND).toBeLessThanOrEqual(mattersAt);
          expect(answeredAt + (seconds + 1) * SECOND).toBeGreaterThan(mattersAt);
          const early = answeredAt + Math.floor(earlyFraction * seconds * SECOND);
          expect(applyHeartbeat(session, report, early)).toBeUndefined();
        } else {
          expect(seconds).toBe(1);
        }
        const late = Math.max(mattersAt, answeredAt) + lateMs;
        const written = applyPatch(session, applyHeartbeat(session, report, late));
        expect(written.version).toBe(session.version + 1);
      }),
      { numRuns: 500 },
    );
  });

  it('a client that waits it out after every answer has every interaction written, and misses no write a chatty client gets', () => {
    // Interactions 0-3 s apart. The chatty client reports each; the obeying one only those at least
    // nextReportInSeconds after its last answer. The window is whole seconds, so right after a write
    // the hint is exact: both end with the same record.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 * 3600 }),
        fc.array(fc.integer({ min: 0, max: 3 * SECOND }), { minLength: 1, maxLength: 300 }),
        (idleTimeoutSeconds, gapsMs) => {
          const start = sessionFixture({ now: T0, timeouts: { idleTimeoutSeconds, maxLifetimeSeconds: 24 * 3600 } });
          let chatty = start;
          let obeying = start;
          let quietUntil = T0 + nextReportInSeconds(start, undefined, T0) * SECOND;
          let now = T0;
          let obeyingCalls = 0;
          for (const gap of gapsMs) {
            now += gap;
            chatty = applyPatch(chatty, applyHeartbeat(chatty, { kind: 'interaction' }, now));
            if (now < quietUntil) continue;
            obeyingCalls += 1;
            const patch = applyHeartbeat(obeying, { kind: 'interaction' }, now);
            expect(patch).toBeDefined();
            obeying = applyPatch(obeying, patch);
            quietUntil = now + nextReportInSeconds(obeying, undefined, now) * SECOND;
          }
          expect({ lastActivityAt: obeying.lastActivityAt, expiresAt: obeying.expiresAt }).toEqual({
            lastActivityAt: chatty.lastActivityAt,
            expiresAt: chatty.expiresAt,
          });
          expect(obeyingCalls).toBe(obeying.version - start.version);
        },
      ),
      { numRuns: 200 },
    );
  });
});
