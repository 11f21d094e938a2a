// Property tests of the idle clock of a queued start (README "Starting at the rate ECS allows"):
// however long a session waits in the start queue, its idle window counts from RUNNING, and its
// max lifetime still counts from creation.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyStarted, computeDeadline } from '../../../lambdas/domain/deadline-policy';
import { iso, ms } from '../../../lambdas/domain/session';
import { sessionFixture } from '../../support/session-fixture';
import { HOUR, SECOND, T0 } from '../../support/time';

const NUM_RUNS = 300;

const queuedArb = fc
  .record({
    idleTimeoutSeconds: fc.integer({ min: 1, max: 4 * 3600 }),
    maxLifetimeSeconds: fc.integer({ min: 1, max: 24 * 3600 }),
    queuedForMs: fc.integer({ min: 0, max: 2 * HOUR }),
    extendedOffsetMs: fc.option(fc.integer({ min: 0, max: 30 * HOUR }), { nil: undefined }),
  })
  .map((r) => ({
    ...r,
    session: sessionFixture({
      now: T0,
      status: 'starting',
      queuedAt: iso(T0),
      lastActivityAt: iso(T0),
      openConnections: {},
      ...(r.extendedOffsetMs !== undefined && { extendedUntil: iso(Math.min(T0 + r.extendedOffsetMs, T0 + r.maxLifetimeSeconds * SECOND)) }),
      timeouts: { idleTimeoutSeconds: r.idleTimeoutSeconds, maxLifetimeSeconds: r.maxLifetimeSeconds },
    }),
  }));

describe('deadline policy of a queued start (property)', () => {
  it('queued time never shortens the idle window, and the max lifetime counts from creation', () => {
    fc.assert(
      fc.property(queuedArb, ({ session, queuedForMs, idleTimeoutSeconds }) => {
        const maxMs = ms(session.maxExpiresAt);
        // While queued, no idle deadline: only the max lifetime (or an extend, never past it) binds.
        expect(computeDeadline(session).expiresAtMs).toBe(maxMs);

        const startedAt = T0 + queuedForMs;
        const started = { ...session, ...applyStarted(session, iso(startedAt)) };
        const idleFromStart = startedAt + idleTimeoutSeconds * SECOND;
        // The deadline is the one of a session created at RUNNING, capped at creation + max lifetime.
        expect(ms(started.expiresAt)).toBe(Math.min(Math.max(idleFromStart, session.extendedUntil ? ms(session.extendedUntil) : -Infinity), maxMs));
        expect(ms(started.expiresAt)).toBeGreaterThanOrEqual(Math.min(idleFromStart, maxMs));
        expect(ms(started.expiresAt)).toBeLessThanOrEqual(maxMs);
        expect(started.maxExpiresAt).toBe(session.maxExpiresAt);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
