// Property tests of busy reports (README "How a session's deadline works", Busy), beside the
// deadline properties: whatever the sequence of reports and extends, busy never passes the fixed
// deadlines, never shortens a deadline, and a stretch that has lasted maxSeconds stops extending.
// The expected deadline is recomputed here from the fields, independently of computeDeadline.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { busyStretchGapMs } from '../../../lambdas/domain/busy-stretch';
import { type Heartbeat, applyExtend, applyHeartbeat, computeDeadline } from '../../../lambdas/domain/deadline-policy';
import { type Session, type SessionTimeouts, iso, ms } from '../../../lambdas/domain/session';
import { sessionFixture } from '../../support/session-fixture';
import { HOUR, MINUTE, SECOND, T0 } from '../../support/time';
import { applyPatch } from './apply-patch';

const NUM_RUNS = 300;

type Policy = NonNullable<SessionTimeouts['busy']>;

/** The oracle's idle deadline: from the later of the last interaction and the last busy report that counts. */
const expectedExpiresAtMs = (s: Session): number => {
  const policy = s.timeouts.busy;
  let idleFrom = Math.max(ms(s.lastActivityAt), s.startedAt === undefined ? Number.NEGATIVE_INFINITY : ms(s.startedAt));
  if (policy !== undefined && s.lastBusyAt !== undefined && s.busySince !== undefined) {
    const countsUntil = policy.maxSeconds === undefined ? Number.POSITIVE_INFINITY : ms(s.busySince) + policy.maxSeconds * SECOND;
    idleFrom = Math.max(idleFrom, Math.min(ms(s.lastBusyAt), countsUntil));
  }
  const idle = Math.max(idleFrom + s.timeouts.idleTimeoutSeconds * SECOND, s.extendedUntil === undefined ? Number.NEGATIVE_INFINITY : ms(s.extendedUntil));
  const fixed = Math.min(ms(s.maxExpiresAt), s.scheduledStopAt === undefined ? Number.POSITIVE_INFINITY : ms(s.scheduledStopAt));
  return Math.min(idle, fixed);
};

const fixedMs = (s: Session): number =>
  Math.min(ms(s.maxExpiresAt), s.scheduledStopAt === undefined ? Number.POSITIVE_INFINITY : ms(s.scheduledStopAt));

const policyArb: fc.Arbitrary<Policy> = fc.record(
  {
    cpuPercent: fc.integer({ min: 1, max: 100 }),
    windowSeconds: fc.integer({ min: 1, max: 600 }),
    maxSeconds: fc.integer({ min: 1, max: 6 * 3600 }),
    unknownGraceSeconds: fc.integer({ min: 1, max: 600 }),
  },
  { requiredKeys: ['cpuPercent', 'windowSeconds', 'unknownGraceSeconds'] },
);

/** A running session with a busy policy, perhaps in the middle of a stretch and under a scheduled stop. */
const sessionArb = fc
  .record({
    idleTimeoutSeconds: fc.integer({ min: 1, max: 4 * 3600 }),
    maxLifetimeSeconds: fc.integer({ min: 1, max: 24 * 3600 }),
    warnBeforeSeconds: fc.option(fc.integer({ min: 1, max: 3600 }), { nil: undefined }),
    busy: policyArb,
    lastActivityOffsetMs: fc.integer({ min: 0, max: 12 * HOUR }),
    stretch: fc.option(fc.tuple(fc.integer({ min: 0, max: 12 * HOUR }), fc.integer({ min: 0, max: 6 * HOUR })), { nil: undefined }),
    scheduledStopOffsetMs: fc.option(fc.integer({ min: 1, max: 36 * HOUR }), { nil: undefined }),
  })
  .map((r) =>
    sessionFixture({
      now: T0,
      lastActivityAt: iso(T0 + r.lastActivityOffsetMs),
      ...(r.stretch !== undefined && { busySince: iso(T0 + r.stretch[0]), lastBusyAt: iso(T0 + r.stretch[0] + r.stretch[1]) }),
      ...(r.scheduledStopOffsetMs !== undefined && { scheduledStopAt: iso(T0 + r.scheduledStopOffsetMs) }),
      timeouts: {
        idleTimeoutSeconds: r.idleTimeoutSeconds,
        maxLifetimeSeconds: r.maxLifetimeSeconds,
        warnBeforeSeconds: r.warnBeforeSeconds,
        busy: r.busy,
      },
    }),
  );

const CONNECTION_IDS = ['agent', 'tab-a'] as const;
const connectionIdArb = fc.constantFrom(...CONNECTION_IDS);

/** Busy reports most of the time; the other kinds in between. */
const heartbeatArb: fc.Arbitrary<Heartbeat> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('busy' as const), connectionId: connectionIdArb }, { requiredKeys: ['kind'] }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('interaction' as const, 'ping' as const), connectionId: connectionIdArb }, { requiredKeys: ['kind'] }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('connect' as const, 'disconnect' as const), connectionId: connectionIdArb }) },
);

/** Small steps stay inside a stretch and the write window; large ones break stretches and cross deadlines. */
const advanceArb = fc.oneof(fc.integer({ min: 0, max: 5 * SECOND }), fc.integer({ min: 0, max: 10 * MINUTE }), fc.integer({ min: 0, max: 2 * HOUR }));

type Op = { type: 'heartbeat'; heartbeat: Heartbeat; advanceMs: number } | { type: 'extend'; seconds: number; advanceMs: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ type: fc.constant('heartbeat' as const), heartbeat: heartbeatArb, advanceMs: advanceArb }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('extend' as const), seconds: fc.integer({ min: 1, max: 48 * 3600 }), advanceMs: advanceArb }) },
);

const scenarioArb = fc.record({ session: sessionArb, startOffsetMs: fc.integer({ min: 0, max: 12 * HOUR }), ops: fc.array(opArb, { minLength: 1, maxLength: 40 }) });

describe('busy report properties', () => {
  it('computeDeadline agrees with the oracle on sessions in and out of a busy stretch', () => {
    fc.assert(
      fc.property(sessionArb, (session) => {
        expect(computeDeadline(session).expiresAtMs).toBe(expectedExpiresAtMs(session));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('never passes the fixed deadlines, never shortens a deadline, and stops extending past maxSeconds', () => {
    fc.assert(
      fc.property(scenarioArb, ({ session: initial, startOffsetMs, ops }) => {
        let session = initial;
        let now = T0 + startOffsetMs;
        const policy = initial.timeouts.busy ?? expect.fail('the arbitrary has a policy');

        for (const op of ops) {
          now += op.advanceMs;
          const before = session;
          const patch = op.type === 'heartbeat' ? applyHeartbeat(before, op.heartbeat, now) : applyExtend(before, op.seconds, now);
          session = applyPatch(before, patch);

          expect(ms(session.expiresAt)).toBeLessThanOrEqual(fixedMs(session));
          expect(ms(session.expiresAt)).toBe(expectedExpiresAtMs(session));
          if (session.lastBusyAt !== undefined && before.lastBusyAt !== undefined) {
            expect(ms(session.lastBusyAt)).toBeGreaterThanOrEqual(ms(before.lastBusyAt));
          }
          if (session.busySince !== undefined) expect(ms(session.busySince)).toBeLessThanOrEqual(ms(session.lastBusyAt ?? ''));
          if (op.type !== 'heartbeat' || op.heartbeat.kind !== 'busy') continue;

          expect(ms(session.expiresAt)).toBeGreaterThanOrEqual(ms(before.expiresAt));
          const continues =
            before.lastBusyAt !== undefined && now - ms(before.lastBusyAt) <= busyStretchGapMs(policy, before.timeouts.idleTimeoutSeconds);
          if (!continues || policy.maxSeconds === undefined || before.busySince === undefined) continue;
          // The same stretch: it counts up to busySince + maxSeconds and no further.
          const countsUntilMs = ms(before.busySince) + policy.maxSeconds * SECOND;
          expect(session.busySince).toBe(before.busySince);
          expect(ms(session.expiresAt)).toBeLessThanOrEqual(
            Math.max(ms(before.expiresAt), countsUntilMs + before.timeouts.idleTimeoutSeconds * SECOND),
          );
          // Once its last report is past that, a report keeps it unbroken but moves nothing.
          if (ms(before.lastBusyAt ?? '') >= countsUntilMs) expect(session.expiresAt).toBe(before.expiresAt);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('ends a runaway that reports busy without pause by maxSeconds plus the idle timeout after its stretch began', () => {
    fc.assert(
      fc.property(sessionArb, fc.integer({ min: 1, max: 120 }), (initial, reports) => {
        const policy = initial.timeouts.busy ?? expect.fail('the arbitrary has a policy');
        const session0 = { ...initial, lastBusyAt: undefined, busySince: undefined };
        delete session0.lastBusyAt;
        delete session0.busySince;
        const startMs = ms(session0.lastActivityAt);
        const stepMs = policy.windowSeconds * SECOND;
        let session: Session = session0;
        for (let i = 0; i < reports; i += 1) session = applyPatch(session, applyHeartbeat(session, { kind: 'busy' }, startMs + i * stepMs));

        expect(session.busySince).toBe(iso(startMs));
        const idleMs = session.timeouts.idleTimeoutSeconds * SECOND;
        const bound = policy.maxSeconds === undefined ? Number.POSITIVE_INFINITY : startMs + policy.maxSeconds * SECOND + idleMs;
        expect(ms(session.expiresAt)).toBeLessThanOrEqual(Math.min(bound, fixedMs(session)));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('treats busy as a ping where the profile has no busy policy', () => {
    fc.assert(
      fc.property(sessionArb, fc.option(connectionIdArb, { nil: undefined }), fc.integer({ min: 0, max: 12 * HOUR }), (withPolicy, connectionId, offsetMs) => {
        const session = sessionFixture({ ...withPolicy, timeouts: { ...withPolicy.timeouts, busy: undefined } });
        const id = connectionId === undefined ? {} : { connectionId };

        expect(applyHeartbeat(session, { kind: 'busy', ...id }, T0 + offsetMs)).toEqual(applyHeartbeat(session, { kind: 'ping', ...id }, T0 + offsetMs));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
