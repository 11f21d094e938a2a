// Property tests of the deadline policy: over random sessions and random sequences of heartbeats
// and extends, the promises of README "How a session's deadline works" hold after every step. The
// expected deadline is recomputed here from the fields, independently of computeDeadline.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HEARTBEAT_KINDS,
  type HeartbeatKind,
  applyExtend,
  applyHeartbeat,
  computeDeadline,
} from '../../../lambdas/domain/deadline-policy';
import { type DeadlineReason, type Session, iso, ms } from '../../../lambdas/domain/session';
import { sessionFixture } from '../../support/session-fixture';
import { HOUR, SECOND, T0 } from '../../support/time';
import { applyPatch } from './apply-patch';

const NUM_RUNS = 300;

/** The oracle: every deadline that applies, in tie-break order; the earliest wins, the first on ties. */
const expectedDeadline = (s: Session): { at: number; reason: DeadlineReason } => {
  const candidates: { at: number; reason: DeadlineReason }[] = [{ at: ms(s.maxExpiresAt), reason: 'max_lifetime' }];
  const grace = s.timeouts.disconnectGraceSeconds;
  if (s.connections === 0 && s.disconnectedAt !== undefined && grace !== undefined) {
    candidates.push({ at: ms(s.disconnectedAt) + grace * SECOND, reason: 'disconnected' });
  }
  const idleAt = ms(s.lastActivityAt) + s.timeouts.idleTimeoutSeconds * SECOND;
  const extendedAt = s.extendedUntil === undefined ? idleAt : ms(s.extendedUntil);
  candidates.push({ at: Math.max(idleAt, extendedAt), reason: 'idle_timeout' });
  return candidates.reduce((best, c) => (c.at < best.at ? c : best));
};

/** A consistent stored session: disconnectedAt only at zero connections, extendedUntil within the cap. */
const sessionArb = fc
  .record({
    idleTimeoutSeconds: fc.integer({ min: 1, max: 4 * 3600 }),
    maxLifetimeSeconds: fc.integer({ min: 1, max: 24 * 3600 }),
    disconnectGraceSeconds: fc.option(fc.integer({ min: 1, max: 3600 }), { nil: undefined }),
    lastActivityOffsetMs: fc.integer({ min: 0, max: 24 * HOUR }),
    connections: fc.integer({ min: 0, max: 3 }),
    disconnectedOffsetMs: fc.option(fc.integer({ min: 0, max: 24 * HOUR }), { nil: undefined }),
    extendedOffsetMs: fc.option(fc.integer({ min: 0, max: 30 * HOUR }), { nil: undefined }),
  })
  .map((r) =>
    sessionFixture({
      now: T0,
      lastActivityAt: iso(T0 + r.lastActivityOffsetMs),
      connections: r.connections,
      ...(r.connections === 0 && r.disconnectedOffsetMs !== undefined && { disconnectedAt: iso(T0 + r.disconnectedOffsetMs) }),
      ...(r.extendedOffsetMs !== undefined && {
        extendedUntil: iso(Math.min(T0 + r.extendedOffsetMs, T0 + r.maxLifetimeSeconds * SECOND)),
      }),
      timeouts: {
        idleTimeoutSeconds: r.idleTimeoutSeconds,
        maxLifetimeSeconds: r.maxLifetimeSeconds,
        disconnectGraceSeconds: r.disconnectGraceSeconds,
      },
    }),
  );

/** Small steps exercise the batching threshold; large ones cross deadlines. */
const advanceArb = fc.oneof(fc.integer({ min: 0, max: 2 * SECOND }), fc.integer({ min: 0, max: 2 * HOUR }));

type Op = { type: 'heartbeat'; kind: HeartbeatKind; advanceMs: number } | { type: 'extend'; seconds: number; advanceMs: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant('heartbeat' as const), kind: fc.constantFrom(...HEARTBEAT_KINDS), advanceMs: advanceArb }),
  fc.record({ type: fc.constant('extend' as const), seconds: fc.integer({ min: 1, max: 48 * 3600 }), advanceMs: advanceArb }),
);

const scenarioArb = fc.record({
  session: sessionArb,
  startOffsetMs: fc.integer({ min: 0, max: 24 * HOUR }),
  ops: fc.array(opArb, { minLength: 1, maxLength: 40 }),
});

const extendedMs = (s: Session): number =>
  s.extendedUntil === undefined ? Number.NEGATIVE_INFINITY : ms(s.extendedUntil);

/** Checks that hold for every stored session, whatever happened before. */
const expectConsistent = (s: Session): void => {
  expect(ms(s.expiresAt)).toBeLessThanOrEqual(ms(s.maxExpiresAt));
  const expected = expectedDeadline(s);
  expect({ expiresAt: s.expiresAt, expiryReason: s.expiryReason }).toEqual({
    expiresAt: iso(expected.at),
    expiryReason: expected.reason,
  });
  expect(s.connections).toBeGreaterThanOrEqual(0);
  if (s.connections > 0) expect(s.disconnectedAt).toBeUndefined();
  if (s.extendedUntil !== undefined) expect(ms(s.extendedUntil)).toBeLessThanOrEqual(ms(s.maxExpiresAt));
};

describe('deadline policy properties', () => {
  it('computeDeadline agrees with the oracle on arbitrary inputs, including stale ones', () => {
    fc.assert(
      fc.property(
        sessionArb,
        fc.integer({ min: 0, max: 3 }),
        fc.option(fc.integer({ min: 0, max: 24 * HOUR }), { nil: undefined }),
        (session, connections, disconnectedOffsetMs) => {
          const inputs = {
            ...session,
            connections,
            disconnectedAt: disconnectedOffsetMs === undefined ? undefined : iso(T0 + disconnectedOffsetMs),
          };

          const { expiresAtMs, reason } = computeDeadline(inputs);

          const expected = expectedDeadline(inputs);
          expect({ expiresAtMs, reason }).toEqual({ expiresAtMs: expected.at, reason: expected.reason });
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('keeps every promise after every heartbeat and extend', () => {
    fc.assert(
      fc.property(scenarioArb, ({ session: initial, startOffsetMs, ops }) => {
        let session = initial;
        let now = T0 + startOffsetMs;
        expectConsistent(session);

        for (const op of ops) {
          now += op.advanceMs;
          const before = session;
          const patch = op.type === 'heartbeat' ? applyHeartbeat(before, op.kind, now) : applyExtend(before, op.seconds, now);
          session = applyPatch(before, patch);

          expectConsistent(session);
          expect(ms(session.lastActivityAt)).toBeGreaterThanOrEqual(ms(before.lastActivityAt));

          if (op.type === 'extend') {
            // Extend gets what it asked for, up to the cap, and never shortens an earlier extend.
            const asked = Math.min(now + op.seconds * SECOND, ms(before.maxExpiresAt));
            expect(extendedMs(session)).toBe(Math.max(asked, extendedMs(before)));
            expect(ms(session.expiresAt)).toBeGreaterThanOrEqual(ms(before.expiresAt));
          } else if (op.kind === 'ping') {
            expect(patch).toBeUndefined();
          } else if (op.kind !== 'disconnect') {
            // Activity never shortens a deadline; only a disconnect may (the grace, by design).
            expect(ms(session.expiresAt)).toBeGreaterThanOrEqual(ms(before.expiresAt));
          }
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('writes an interaction exactly when it moves activity by at least max(5% of idle, 1 s)', () => {
    fc.assert(
      fc.property(sessionArb, fc.integer({ min: -HOUR, max: 2 * HOUR }), (session, deltaMs) => {
        const threshold = Math.max(session.timeouts.idleTimeoutSeconds * SECOND * 0.05, SECOND);
        const now = ms(session.lastActivityAt) + deltaMs;

        const patch = applyHeartbeat(session, 'interaction', now);

        if (deltaMs >= threshold) expect(patch?.lastActivityAt).toBe(iso(now));
        else expect(patch).toBeUndefined();
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('counts connections exactly, and a disconnect at zero writes nothing', () => {
    fc.assert(
      fc.property(sessionArb, fc.array(fc.constantFrom<HeartbeatKind>('connect', 'disconnect'), { maxLength: 30 }), (initial, kinds) => {
        let session = initial;
        let expected = initial.connections;
        kinds.forEach((kind, i) => {
          const now = T0 + 25 * HOUR + i * SECOND;
          const patch = applyHeartbeat(session, kind, now);
          if (kind === 'disconnect' && expected === 0) expect(patch).toBeUndefined();
          expected = kind === 'connect' ? expected + 1 : Math.max(expected - 1, 0);
          session = applyPatch(session, patch);

          expect(session.connections).toBe(expected);
          if (kind === 'disconnect' && patch?.connections === 0) expect(session.disconnectedAt).toBe(iso(now));
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
