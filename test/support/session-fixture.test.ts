// The shared fixture must produce sessions the rest of the system would accept as consistent.
import { describe, expect, it } from 'vitest';
import { computeDeadline } from '../../lambdas/domain/deadline-policy';
import { iso, ms } from '../../lambdas/domain/session';
import { sessionFixture } from './session-fixture';

describe('sessionFixture', () => {
  it('derives the deadline from the activity, like the store would keep it', () => {
    const session = sessionFixture({ createdAt: '2026-03-10T12:00:00.000Z', lastActivityAt: '2026-03-10T12:30:00.000Z' });

    const { expiresAtMs, reason } = computeDeadline(session);
    expect(session.expiresAt).toBe(iso(expiresAtMs));
    expect(session.expiryReason).toBe(reason);
    expect(ms(session.maxExpiresAt) - ms(session.createdAt)).toBe(session.timeouts.maxLifetimeSeconds * 1000);
  });

  it('keeps explicit deadline overrides', () => {
    const session = sessionFixture({ expiresAt: '2026-03-10T12:00:01.000Z', expiryReason: 'disconnected' });

    expect(session).toMatchObject({ expiresAt: '2026-03-10T12:00:01.000Z', expiryReason: 'disconnected' });
  });

  it('shapes a session to its status', () => {
    expect(sessionFixture({ status: 'starting' })).not.toHaveProperty('startedAt');
    expect(sessionFixture({ status: 'failed' })).toMatchObject({ endReason: 'start_failed', endedAt: expect.any(String) as string });
    expect(sessionFixture({ status: 'stopped' })).not.toHaveProperty('scheduleName');
  });

  it('drops fields overridden with undefined', () => {
    expect(sessionFixture({ scheduleName: undefined })).not.toHaveProperty('scheduleName');
  });
});
