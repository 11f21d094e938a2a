// Quiet hours through the use cases (README "How a session's deadline works"): a profile whose
// sessions stop every day at 20:00 Europe/Zurich. Created at 19:00 local on the day of a DST change,
// a session is warned and stopped at 20:00 local, the right UTC instant on each side of the change,
// however active it is and however long it asks to be extended. The clock is the fake one.
import { describe, expect, it } from 'vitest';
import { type Profile } from '../../../lambdas/domain/profile';
import { iso } from '../../../lambdas/domain/session';
import { toSessionView } from '../../../lambdas/domain/session-view';
import { extendSession } from '../../../lambdas/use-cases/extend-session';
import { recordHeartbeat } from '../../../lambdas/use-cases/record-heartbeat';
import { MINUTE, TEST_PROFILES, makeDeps } from '../../support/fakes';
import { OWNER, fireNext, runningSession } from './steps';

const QUIET: Profile = {
  name: 'quiet',
  idleTimeoutSeconds: { default: 4 * 3600, min: 60, max: 14_400 },
  maxLifetimeSeconds: { default: 12 * 3600, min: 600, max: 24 * 3600 },
  warnBeforeSeconds: 300,
  scheduledStop: { cron: '0 20 * * *', timezone: 'Europe/Zurich' },
  activeWithinSeconds: 120,
  idleWithinSeconds: 600,
  stopTimeoutSeconds: 30,
  resourceWarningPercent: 90,
  maxSessionsPerOwner: 5,
};

const owner = { type: 'owner', ownerId: OWNER } as const;

describe.each([
  // Spring: 19:00 local is 17:00 UTC (UTC+2 since 03:00 that morning); 20:00 local is 18:00 UTC.
  { change: 'the March change', createdAt: '2026-03-29T17:00:00.000Z', stopAt: '2026-03-29T18:00:00.000Z' },
  // Autumn: 19:00 local is 18:00 UTC (UTC+1 since 03:00 that morning); 20:00 local is 19:00 UTC.
  { change: 'the October change', createdAt: '2026-10-25T18:00:00.000Z', stopAt: '2026-10-25T19:00:00.000Z' },
])('a session created at 19:00 Zurich time on the day of $change', ({ createdAt, stopAt }) => {
  const stopMs = Date.parse(stopAt);

  it('is warned 5 minutes before 20:00 local and stopped at 20:00 local with scheduled_stop, however active', async () => {
    const d = makeDeps({ now: createdAt, profiles: { ...TEST_PROFILES, quiet: QUIET } });
    const { session } = await runningSession(d, { profile: 'quiet' });
    expect(session).toMatchObject({ scheduledStopAt: stopAt, expiresAt: stopAt, expiryReason: 'scheduled_stop' });

    // Busy right up to the stop, and asking for two more hours: neither moves it.
    d.clock.set(stopMs - 10 * MINUTE);
    await recordHeartbeat(d, { id: session.id, kind: 'interaction', auth: owner });
    const extended = await extendSession(d, { id: session.id, ownerId: OWNER, seconds: 7200 });
    expect(extended).toMatchObject({ expiresAt: stopAt, expiryReason: 'scheduled_stop', extendedUntil: stopAt });

    await expect(fireNext(d, session.id)).resolves.toBe('warned');
    expect(d.clock.now()).toBe(stopMs - 5 * MINUTE);
    expect(d.events.ofType('Session Expiring')).toEqual([
      { type: 'Session Expiring', detail: { sessionId: session.id, ownerId: OWNER, expiresAt: stopAt, reason: 'scheduled_stop' } },
    ]);

    await expect(fireNext(d, session.id)).resolves.toBe('stopping');
    expect(d.clock.now()).toBe(stopMs);
    expect(d.store.peek(session.id)).toMatchObject({ status: 'stopping', endReason: 'scheduled_stop', stopRequestedAt: iso(stopMs) });
    expect(d.tasks.stopCalls.map((c) => c.reason)).toEqual(['session-expiry: scheduled_stop']);
  });

  it('keeps the stop it was created with when the profile changes afterwards', async () => {
    const profiles = { ...TEST_PROFILES, quiet: QUIET };
    const d = makeDeps({ now: createdAt, profiles });
    const { session } = await runningSession(d, { profile: 'quiet' });

    profiles.quiet = { ...QUIET, scheduledStop: { cron: '0 23 * * *', timezone: 'Europe/Zurich' } };

    expect(toSessionView(d.store.peek(session.id), d.clock.now())).toMatchObject({
      scheduledStopAt: stopAt,
      timeouts: { scheduledStop: { cron: '0 20 * * *', timezone: 'Europe/Zurich' } },
    });
  });
});
