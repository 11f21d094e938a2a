// Busy reports through the use cases (README "How a session's deadline works", Busy): a profile
// whose session agent reports `busy` while the task works. A busy report keeps the session alive as
// an interaction does and shows it as `busy`; a stretch of them stops counting after maxSeconds, so
// a runaway still ends; nothing passes the max lifetime; a profile without a policy takes busy for a
// ping. The clock is the fake one.
import { describe, expect, it } from 'vitest';
import { type Profile } from '../../../lambdas/domain/profile';
import { iso } from '../../../lambdas/domain/session';
import { toSessionView } from '../../../lambdas/domain/session-view';
import { getStats } from '../../../lambdas/use-cases/get-stats';
import { recordHeartbeat } from '../../../lambdas/use-cases/record-heartbeat';
import { type FakeDeps, HOUR, MINUTE, SECOND, T0, TEST_PROFILES, makeDeps } from '../../support/fakes';
import { OWNER, fireNext, runningSession } from './steps';

/** The notebook profile, but idle 15 min (write window 45 s) and busy at 50 % CPU over 60 s, for at most 2 h per stretch. */
const RENDER: Profile = {
  ...TEST_PROFILES['notebook'],
  name: 'render',
  idleTimeoutSeconds: { default: 900, min: 60, max: 14_400 },
  busy: { cpuPercent: 50, windowSeconds: 60, maxSeconds: 7200, unknownGraceSeconds: 300 },
};

const owner = { type: 'owner', ownerId: OWNER } as const;

const depsWith = (render: Profile = RENDER): FakeDeps => makeDeps({ profiles: { ...TEST_PROFILES, render } });

const busy = (d: FakeDeps, id: string) => recordHeartbeat(d, { id, kind: 'busy', connectionId: 'agent', auth: owner });

/** Busy every `windowSeconds` from now until `untilMs`, as an agent measuring a busy task does. */
const busyUntil = async (d: FakeDeps, id: string, untilMs: number): Promise<void> => {
  while (d.clock.now() + MINUTE <= untilMs) {
    d.clock.advance(MINUTE);
    await busy(d, id);
  }
};

/** Fires schedules until the session begins to stop; returns when that was. */
const fireUntilStopping = async (d: FakeDeps, id: string): Promise<number> => {
  for (let fires = 0; fires < 10; fires += 1) if ((await fireNext(d, id)) === 'stopping') return d.clock.now();
  throw new Error('the session never began to stop');
};

describe('busy reports', () => {
  it('keep the session alive as an interaction does, shown as busy and counted so in the stats', async () => {
    const d = depsWith();
    const { session } = await runningSession(d, { profile: 'render' });
    d.clock.advance(10 * MINUTE);

    const { session: after, nextReportInSeconds } = await busy(d, session.id);

    expect(after).toMatchObject({
      lastActivityAt: iso(T0),
      busySince: iso(T0 + 10 * MINUTE),
      lastBusyAt: iso(T0 + 10 * MINUTE),
      expiresAt: iso(T0 + 25 * MINUTE),
      expiryReason: 'idle_timeout',
      version: session.version + 1,
    });
    expect(nextReportInSeconds).toBe(45);
    expect(toSessionView(after, d.clock.now()).activityLevel).toBe('busy');
    expect((await getStats(d)).byActivityLevel).toMatchObject({ busy: 1, active: 0 });
    // Once the reports stop for longer than the window and the write window, it is no longer busy.
    d.clock.advance(106 * SECOND);
    expect(toSessionView(d.store.peek(session.id), d.clock.now()).activityLevel).not.toBe('busy');
  });

  it('are batched like interactions: one write per window, and the answer says how much is left', async () => {
    const d = depsWith();
    const { session } = await runningSession(d, { profile: 'render' });
    await busy(d, session.id);
    const written = d.store.peek(session.id);
    d.clock.advance(30 * SECOND);

    const batched = await busy(d, session.id);

    expect(batched.session).toEqual(written);
    expect(batched.nextReportInSeconds).toBe(15);
    d.clock.advance(15 * SECOND);
    expect((await busy(d, session.id)).session.lastBusyAt).toBe(iso(T0 + 45 * SECOND));
  });

  it('start a new stretch after a pause longer than the window plus the write window', async () => {
    const d = depsWith();
    const { session } = await runningSession(d, { profile: 'render' });
    await busy(d, session.id);
    d.clock.advance(105 * SECOND);
    expect((await busy(d, session.id)).session.busySince).toBe(iso(T0));

    d.clock.advance(106 * SECOND);
    const { session: after } = await busy(d, session.id);

    expect(after).toMatchObject({ busySince: iso(T0 + 211 * SECOND), lastBusyAt: iso(T0 + 211 * SECOND) });
  });

  it('stop counting once a stretch has lasted maxSeconds: a runaway ends an idle timeout after that', async () => {
    const d = depsWith();
    const { session } = await runningSession(d, { profile: 'render' });
    await busy(d, session.id);

    // Busy without a pause, right up to the minute before the stop.
    await busyUntil(d, session.id, T0 + 2 * HOUR + 14 * MINUTE);

    const record = d.store.peek(session.id);
    expect(record).toMatchObject({ busySince: iso(T0), expiresAt: iso(T0 + 2 * HOUR + 15 * MINUTE), expiryReason: 'idle_timeout' });
    expect(toSessionView(record, d.clock.now()).activityLevel).not.toBe('busy');
    expect(await fireUntilStopping(d, session.id)).toBe(T0 + 2 * HOUR + 15 * MINUTE);
    expect(d.store.peek(session.id)).toMatchObject({ status: 'stopping', endReason: 'idle_timeout' });
  });

  it('never keep a session past its max lifetime', async () => {
    const d = depsWith({ ...RENDER, busy: { cpuPercent: 50, windowSeconds: 60, unknownGraceSeconds: 300 } });
    const { session } = await runningSession(d, { profile: 'render', maxLifetimeSeconds: 2 * 3600 });

    await busyUntil(d, session.id, T0 + 2 * HOUR - 10 * MINUTE);

    expect(d.store.peek(session.id)).toMatchObject({ expiresAt: iso(T0 + 2 * HOUR), expiryReason: 'max_lifetime' });
    expect(await fireUntilStopping(d, session.id)).toBe(T0 + 2 * HOUR);
    expect(d.store.peek(session.id)).toMatchObject({ status: 'stopping', endReason: 'max_lifetime' });
  });

  it('count as pings where the profile has no busy policy', async () => {
    const d = depsWith();
    const { session } = await runningSession(d, { profile: 'notebook' });
    d.clock.advance(10 * MINUTE);

    const { session: after, nextReportInSeconds } = await busy(d, session.id);

    expect(after).toEqual(session);
    expect(after).not.toHaveProperty('lastBusyAt');
    expect(nextReportInSeconds).toBe(1); // as for a ping: an interaction now would be written
    expect(d.metrics.total('HeartbeatsSkipped')).toBe(1);
  });
});
