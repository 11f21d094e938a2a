// The shared fixture must produce sessions the rest of the system would accept as consistent.
import { describe, expect, it } from 'vitest';
import { computeDeadline } from '../../lambdas/domain/deadline-policy';
import { iso, ms } from '../../lambdas/domain/session';
import { FIXTURE_TIMEOUTS, SESSION_ID, sessionFixture } from './session-fixture';
import { MINUTE, SECOND, T0 } from './time';

describe('sessionFixture', () => {
  it('derives the deadline from the activity, like the store would keep it', () => {
    const session = sessionFixture({ createdAt: iso(T0), lastActivityAt: iso(T0 + 30 * MINUTE) });

    const { expiresAtMs, reason } = computeDeadline(session);
    expect(session.expiresAt).toBe(iso(expiresAtMs));
    expect(session.expiryReason).toBe(reason);
    expect(ms(session.maxExpiresAt) - ms(session.createdAt)).toBe(session.timeouts.maxLifetimeSeconds * 1000);
  });

  it('keeps explicit deadline overrides', () => {
    const session = sessionFixture({ expiresAt: iso(T0 + SECOND), expiryReason: 'disconnected' });

    expect(session).toMatchObject({ expiresAt: iso(T0 + SECOND), expiryReason: 'disconnected' });
  });

  it('shapes a session to its status', () => {
    expect(sessionFixture({ status: 'starting' })).not.toHaveProperty('startedAt');
    expect(sessionFixture({ status: 'failed' })).toMatchObject({ endReason: 'start_failed', endedAt: expect.any(String) as string });
    expect(sessionFixture({ status: 'stopped' })).not.toHaveProperty('scheduleName');
  });

  it('drops fields overridden with undefined', () => {
    expect(sessionFixture({ scheduleName: undefined })).not.toHaveProperty('scheduleName');
  });

  it('is created at `now` when given one, and at the current time otherwise', () => {
    const before = Date.now();

    expect(sessionFixture({ now: T0 })).toMatchObject({ createdAt: iso(T0), startedAt: iso(T0), lastActivityAt: iso(T0) });
    expect(ms(sessionFixture().createdAt)).toBeGreaterThanOrEqual(before);
    expect(sessionFixture({ now: T0, createdAt: iso(T0 + MINUTE) }).createdAt).toBe(iso(T0 + MINUTE));
  });

  it('gets a fresh id unless told one, and names its schedule after it', () => {
    expect(sessionFixture().id).not.toBe(sessionFixture().id);
    expect(sessionFixture({ id: SESSION_ID })).toMatchObject({ id: SESSION_ID, scheduleName: `${SESSION_ID}-1` });
  });

  it('merges timeouts over the defaults, leaves out those given as undefined, and derives the cap from them', () => {
    const session = sessionFixture({ now: T0, timeouts: { maxLifetimeSeconds: 3600, disconnectGraceSeconds: 60, warnBeforeSeconds: undefined } });

    expect(session.timeouts).toStrictEqual({ ...FIXTURE_TIMEOUTS, maxLifetimeSeconds: 3600, disconnectGraceSeconds: 60 });
    expect(session.maxExpiresAt).toBe(iso(T0 + 60 * MINUTE));
  });
});
