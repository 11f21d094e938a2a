// Example-based tests of the deadline policy (README "How a session's deadline works"): when a
// session ends and why, which heartbeats cost a write, and how extend is bounded.
import { describe, expect, it } from 'vitest';
import {
  activityLevel,
  applyExtend,
  applyHeartbeat,
  computeDeadline,
  type Heartbeat,
  heartbeatWriteThresholdMs,
  interactionWrittenFromMs,
  nextFireAtMs,
  warningDue,
} from '../../../lambdas/domain/deadline-policy';
import { MAX_OPEN_CONNECTIONS } from '../../../lambdas/domain/connections';
import { ValidationError } from '../../../lambdas/domain/errors';
import { iso, ms } from '../../../lambdas/domain/session';
import { openTabs, sessionFixture } from '../../support/session-fixture';
import { thrownBy } from '../../support/thrown';
import { HOUR, MINUTE, SECOND, T0 } from '../../support/time';
import { applyPatch } from './apply-patch';

describe('computeDeadline', () => {
  it('ends an untouched session one idle timeout after its last activity', () => {
    const session = sessionFixture({ now: T0, lastActivityAt: iso(T0 + 5 * MINUTE) });

    const deadline = computeDeadline(session);

    expect(deadline).toEqual({ expiresAtMs: T0 + 5 * MINUTE + 900 * SECOND, reason: 'idle_timeout' });
  });

  it('keeps the session until extendedUntil when that is beyond the idle deadline', () => {
    const session = sessionFixture({ now: T0, extendedUntil: iso(T0 + 2 * HOUR) });

    expect(computeDeadline(session)).toEqual({ expiresAtMs: T0 + 2 * HOUR, reason: 'idle_timeout' });
  });

  it('ignores an extendedUntil that is before the idle deadline', () => {
    const session = sessionFixture({ now: T0, lastActivityAt: iso(T0 + HOUR), extendedUntil: iso(T0 + HOUR + MINUTE) });

    expect(computeDeadline(session)).toEqual({ expiresAtMs: T0 + HOUR + 900 * SECOND, reason: 'idle_timeout' });
  });

  it('applies the disconnect grace when every client has gone after a disconnect', () => {
    const session = sessionFixture({
      now: T0,
      openConnections: {},
      disconnectedAt: iso(T0 + MINUTE),
      timeouts: { idleTimeoutSeconds: 3600, disconnectGraceSeconds: 300 },
    });

    expect(computeDeadline(session)).toEqual({ expiresAtMs: T0 + MINUTE + 300 * SECOND, reason: 'disconnected' });
  });

  it('applies no disconnect grace to a session that never had a client', () => {
    const session = sessionFixture({ now: T0, openConnections: {}, timeouts: { idleTimeoutSeconds: 3600, disconnectGraceSeconds: 60 } });

    expect(computeDeadline(session)).toEqual({ expiresAtMs: T0 + 3600 * SECOND, reason: 'idle_timeout' });
  });

  it('applies no disconnect grace while a client is connected, even with a stale disconnectedAt', () => {
    const session = sessionFixture({
      now: T0,
      openConnections: openTabs(1, T0),
      disconnectedAt: iso(T0),
      timeouts: { idleTimeoutSeconds: 3600, disconnectGraceSeconds: 60 },
    });

    expect(computeDeadline(session).reason).toBe('idle_timeout');
  });

  it('applies no disconnect grace when the profile sets none', () => {
    const session = sessionFixture({
      now: T0,
      openConnections: {},
      disconnectedAt: iso(T0),
      timeouts: { idleTimeoutSeconds: 3600, disconnectGraceSeconds: undefined },
    });

    expect(computeDeadline(session)).toEqual({ expiresAtMs: T0 + 3600 * SECOND, reason: 'idle_timeout' });
  });

  it('never lets a session live past its max lifetime, whatever the activity or extend', () => {
    const session = sessionFixture({
      now: T0,
      lastActivityAt: iso(T0 + 8 * HOUR - MINUTE),
      extendedUntil: iso(T0 + 8 * HOUR),
      timeouts: { maxLifetimeSeconds: 8 * 3600 },
    });

    expect(computeDeadline(session)).toEqual({ expiresAtMs: T0 + 8 * HOUR, reason: 'max_lifetime' });
  });

  it('names max_lifetime when the idle deadline ties with the cap', () => {
    const session = sessionFixture({ now: T0, timeouts: { idleTimeoutSeconds: 3600, maxLifetimeSeconds: 3600 } });

    expect(computeDeadline(session)).toEqual({ expiresAtMs: T0 + HOUR, reason: 'max_lifetime' });
  });

  it('names max_lifetime when the disconnect deadline ties with the cap', () => {
    const session = sessionFixture({
      now: T0,
      openConnections: {},
      disconnectedAt: iso(T0 + 50 * MINUTE),
      timeouts: { idleTimeoutSeconds: 7200, maxLifetimeSeconds: 3600, disconnectGraceSeconds: 600 },
    });

    expect(computeDeadline(session)).toEqual({ expiresAtMs: T0 + HOUR, reason: 'max_lifetime' });
  });

  it('names disconnected when the disconnect deadline ties with the idle deadline', () => {
    const session = sessionFixture({
      now: T0,
      openConnections: {},
      disconnectedAt: iso(T0 + 5 * MINUTE),
      timeouts: { idleTimeoutSeconds: 900, disconnectGraceSeconds: 600 },
    });

    expect(computeDeadline(session)).toEqual({ expiresAtMs: T0 + 15 * MINUTE, reason: 'disconnected' });
  });

  it('names the deadline that binds: the earliest one', () => {
    const timeouts = { idleTimeoutSeconds: 600, maxLifetimeSeconds: 3600, disconnectGraceSeconds: 120 };
    const idle = sessionFixture({ now: T0, openConnections: openTabs(1, T0), timeouts });
    const disconnected = sessionFixture({ now: T0, openConnections: {}, disconnectedAt: iso(T0 + MINUTE), timeouts });
    const capped = sessionFixture({ now: T0, extendedUntil: iso(T0 + 2 * HOUR), openConnections: openTabs(1, T0), timeouts });

    expect([idle, disconnected, capped].map((s) => computeDeadline(s).reason)).toEqual([
      'idle_timeout',
      'disconnected',
      'max_lifetime',
    ]);
  });
});

describe('the scheduled stop (quiet hours)', () => {
  it('ends the session at the scheduled stop when it comes first, however active', () => {
    const session = sessionFixture({ now: T0, lastActivityAt: iso(T0 + 50 * MINUTE), scheduledStopAt: iso(T0 + HOUR) });

    expect(computeDeadline(session)).toEqual({ expiresAtMs: T0 + HOUR, reason: 'scheduled_stop' });
  });

  it('ties: max_lifetime before scheduled_stop, scheduled_stop before disconnected and idle_timeout', () => {
    const withCap = sessionFixture({ now: T0, scheduledStopAt: iso(T0 + HOUR), timeouts: { idleTimeoutSeconds: 7200, maxLifetimeSeconds: 3600 } });
    const withGrace = sessionFixture({
      now: T0,
      openConnections: {},
      disconnectedAt: iso(T0 + 5 * MINUTE),
      scheduledStopAt: iso(T0 + 15 * MINUTE),
      timeouts: { idleTimeoutSeconds: 900, disconnectGraceSeconds: 600 },
    });

    expect(computeDeadline(withCap)).toEqual({ expiresAtMs: T0 + HOUR, reason: 'max_lifetime' });
    expect(computeDeadline(withGrace)).toEqual({ expiresAtMs: T0 + 15 * MINUTE, reason: 'scheduled_stop' });
  });

  it('is not moved by an interaction or an extend; extend is capped by it', () => {
    const session = sessionFixture({ now: T0, scheduledStopAt: iso(T0 + 20 * MINUTE), timeouts: { idleTimeoutSeconds: 900 } });
    const now = T0 + 10 * MINUTE;

    const interacted = applyPatch(session, applyHeartbeat(session, { kind: 'interaction' }, now));
    const extended = applyPatch(session, applyExtend(session, 3600, now));

    for (const s of [interacted, extended]) {
      expect({ expiresAt: s.expiresAt, expiryReason: s.expiryReason, scheduledStopAt: s.scheduledStopAt }).toEqual({
        expiresAt: iso(T0 + 20 * MINUTE),
        expiryReason: 'scheduled_stop',
        scheduledStopAt: iso(T0 + 20 * MINUTE),
      });
    }
    expect(extended.extendedUntil).toBe(iso(T0 + 20 * MINUTE));
  });

  it('is warned about like any deadline', () => {
    const session = sessionFixture({ now: T0, scheduledStopAt: iso(T0 + 10 * MINUTE), timeouts: { warnBeforeSeconds: 60 } });

    expect(nextFireAtMs(session)).toBe(T0 + 9 * MINUTE);
    expect(warningDue(session, T0 + 9 * MINUTE - 1)).toBe(false);
    expect(warningDue(session, T0 + 9 * MINUTE)).toBe(true);
  });
});

describe('applyHeartbeat', () => {
  it('never writes for a ping, so a tab that only pings still reaches its idle timeout', () => {
    const session = sessionFixture({ now: T0, openConnections: openTabs(1, T0) });

    expect(applyHeartbeat(session, { kind: 'ping' }, T0 + 10 * MINUTE)).toBeUndefined();
    expect(applyHeartbeat(session, { kind: 'ping' }, T0 + 14 * MINUTE)).toBeUndefined();
  });

  it('batches interactions closer than 5% of the idle timeout', () => {
    const session = sessionFixture({ now: T0, timeouts: { idleTimeoutSeconds: 900 } }); // threshold 45 s

    expect(heartbeatWriteThresholdMs(900)).toBe(45 * SECOND);
    expect(applyHeartbeat(session, { kind: 'interaction' }, T0 + 45 * SECOND - 1)).toBeUndefined();
  });

  it('writes an interaction at the 5% threshold, moving activity and the deadline', () => {
    const session = sessionFixture({ now: T0, timeouts: { idleTimeoutSeconds: 900 } });
    const now = T0 + 45 * SECOND;

    const patch = applyHeartbeat(session, { kind: 'interaction' }, now);

    expect(patch).toEqual({ lastActivityAt: iso(now), expiresAt: iso(now + 900 * SECOND), expiryReason: 'idle_timeout' });
  });

  it('writes an interaction well over the threshold', () => {
    const session = sessionFixture({ now: T0, timeouts: { idleTimeoutSeconds: 900 } });

    const patch = applyHeartbeat(session, { kind: 'interaction' }, T0 + 10 * MINUTE);

    expect(patch?.lastActivityAt).toBe(iso(T0 + 10 * MINUTE));
  });

  it('uses a 1 s floor for the batching threshold on short idle timeouts', () => {
    const session = sessionFixture({ now: T0, timeouts: { idleTimeoutSeconds: 10 } }); // 5% would be 0.5 s

    expect(heartbeatWriteThresholdMs(10)).toBe(SECOND);
    expect(heartbeatWriteThresholdMs(90)).toBe(5 * SECOND); // 4.5 s, rounded up to whole seconds
    expect(applyHeartbeat(session, { kind: 'interaction' }, T0 + SECOND - 1)).toBeUndefined();
    expect(applyHeartbeat(session, { kind: 'interaction' }, T0 + SECOND)?.lastActivityAt).toBe(iso(T0 + SECOND));
  });

  it('never moves lastActivityAt backwards: a late-arriving older interaction writes nothing', () => {
    const session = sessionFixture({ now: T0, lastActivityAt: iso(T0 + HOUR) });

    expect(applyHeartbeat(session, { kind: 'interaction' }, T0 + HOUR - 10 * MINUTE)).toBeUndefined();
  });

  it('opens a connection and clears disconnectedAt, lifting the disconnect deadline', () => {
    const session = sessionFixture({ now: T0, openConnections: {}, disconnectedAt: iso(T0), timeouts: { disconnectGraceSeconds: 60 } });
    expect(session.expiryReason).toBe('disconnected');
    const now = T0 + 30 * SECOND;

    const patch = applyHeartbeat(session, { kind: 'connect', connectionId: 'tab-a' }, now);

    expect(patch).toEqual({
      openConnections: { 'tab-a': iso(now) },
      disconnectedAt: null,
      expiresAt: iso(T0 + 900 * SECOND),
      expiryReason: 'idle_timeout',
    });
  });

  it('adds a new id to the open connections', () => {
    const session = sessionFixture({ now: T0, openConnections: openTabs(2, T0) });

    const patch = applyHeartbeat(session, { kind: 'connect', connectionId: 'tab-3' }, T0 + MINUTE);

    expect(Object.keys(patch?.openConnections ?? {}).sort()).toEqual(['tab-1', 'tab-2', 'tab-3']);
  });

  it('writes nothing for a repeated connect of an id seen recently', () => {
    const session = sessionFixture({ now: T0, openConnections: openTabs(1, T0) });

    expect(applyHeartbeat(session, { kind: 'connect', connectionId: 'tab-1' }, T0 + MINUTE)).toBeUndefined();
  });

  it('sets disconnectedAt when the last open id disconnects, starting the grace', () => {
    const session = sessionFixture({ now: T0, openConnections: openTabs(1, T0), timeouts: { idleTimeoutSeconds: 3600, disconnectGraceSeconds: 300 } });
    const now = T0 + 10 * MINUTE;

    const patch = applyHeartbeat(session, { kind: 'disconnect', connectionId: 'tab-1' }, now);

    expect(patch).toEqual({
      openConnections: {},
      disconnectedAt: iso(now),
      expiresAt: iso(now + 300 * SECOND),
      expiryReason: 'disconnected',
    });
  });

  it('leaves disconnectedAt alone while other ids remain open', () => {
    const session = sessionFixture({ now: T0, openConnections: openTabs(2, T0) });

    const patch = applyHeartbeat(session, { kind: 'disconnect', connectionId: 'tab-1' }, T0 + MINUTE);

    expect(patch?.openConnections).toEqual({ 'tab-2': iso(T0) });
    expect(patch).not.toHaveProperty('disconnectedAt');
  });

  it('writes nothing for a disconnect of an id that is not open: repeated, unknown, or with nothing connected', () => {
    const twoTabs = sessionFixture({ now: T0, openConnections: openTabs(2, T0) });
    const none = sessionFixture({ now: T0, openConnections: {}, disconnectedAt: iso(T0) });

    expect(applyHeartbeat(twoTabs, { kind: 'disconnect', connectionId: 'tab-9' }, T0 + MINUTE)).toBeUndefined();
    expect(applyHeartbeat(none, { kind: 'disconnect', connectionId: 'tab-1' }, T0 + MINUTE)).toBeUndefined();
  });

  it('removes disconnectedAt from the record once the patch is applied', () => {
    const session = sessionFixture({ now: T0, openConnections: {}, disconnectedAt: iso(T0) });

    const next = applyPatch(session, applyHeartbeat(session, { kind: 'connect', connectionId: 'tab-1' }, T0 + MINUTE));

    expect(Object.keys(next.openConnections)).toEqual(['tab-1']);
    expect(next).not.toHaveProperty('disconnectedAt');
  });

  it('a retried disconnect of one tab never closes another (the bug a counter had)', () => {
    const timeouts = { idleTimeoutSeconds: 900, disconnectGraceSeconds: 300 };
    let session = sessionFixture({ now: T0, timeouts });
    const report = (heartbeat: Heartbeat, at: number): void => {
      session = applyPatch(session, applyHeartbeat(session, heartbeat, at));
    };

    report({ kind: 'connect', connectionId: 'tab-a' }, T0 + SECOND);
    report({ kind: 'connect', connectionId: 'tab-b' }, T0 + 2 * SECOND);
    report({ kind: 'disconnect', connectionId: 'tab-a' }, T0 + MINUTE);
    report({ kind: 'disconnect', connectionId: 'tab-a' }, T0 + MINUTE + SECOND); // the client's retry

    expect(Object.keys(session.openConnections)).toEqual(['tab-b']);
    expect(session.disconnectedAt).toBeUndefined();
    expect(session.expiryReason).toBe('idle_timeout');
  });
});

describe("applyHeartbeat and the session agent's own connection", () => {
  const timeouts = { idleTimeoutSeconds: 3600, disconnectGraceSeconds: 300 };
  const AGENT = { kind: 'connect', connectionId: 'agent-1', agent: true } as const;

  it('keeps the agent apart: it is no client, so connecting it neither opens a client nor cancels a running grace', () => {
    const session = sessionFixture({ now: T0, openConnections: {}, disconnectedAt: iso(T0), timeouts });

    const patch = applyHeartbeat(session, AGENT, T0 + MINUTE);

    expect(patch).toEqual({ agentConnections: { 'agent-1': iso(T0 + MINUTE) }, expiresAt: iso(T0 + 300 * SECOND), expiryReason: 'disconnected' });
  });

  it('starts the grace when the last client disconnects while the agent is connected, and the session ends disconnected', () => {
    let session = sessionFixture({ now: T0, timeouts });
    const report = (heartbeat: Heartbeat, at: number): void => {
      session = applyPatch(session, applyHeartbeat(session, heartbeat, at));
    };

    report(AGENT, T0 + SECOND);
    report({ kind: 'connect', connectionId: 'tab-1' }, T0 + 2 * SECOND);
    report({ kind: 'ping', connectionId: 'agent-1' }, T0 + 31 * MINUTE); // the agent keeps reporting
    report({ kind: 'disconnect', connectionId: 'tab-1' }, T0 + 32 * MINUTE);

    expect(session).toMatchObject({
      openConnections: {},
      agentConnections: { 'agent-1': iso(T0 + 31 * MINUTE) },
      disconnectedAt: iso(T0 + 32 * MINUTE),
      expiresAt: iso(T0 + 37 * MINUTE),
      expiryReason: 'disconnected',
    });
    expect(activityLevel(session, T0 + 33 * MINUTE)).toBe('disconnected');
  });

  it("closes the agent's connection on its disconnect without touching the clients or disconnectedAt", () => {
    const session = sessionFixture({ now: T0, openConnections: {}, agentConnections: { 'agent-1': iso(T0) }, timeouts });

    expect(applyHeartbeat(session, { kind: 'disconnect', connectionId: 'agent-1' }, T0 + MINUTE)).toEqual({
      agentConnections: {},
      expiresAt: session.expiresAt,
      expiryReason: 'idle_timeout',
    });
    expect(applyHeartbeat(session, { kind: 'disconnect', connectionId: 'agent-1' }, T0 + MINUTE)).not.toHaveProperty('disconnectedAt');
  });

  it('ages the agent like a client: its pings rewrite its seen-time, and a client event drops it once stale', () => {
    const session = sessionFixture({ now: T0, agentConnections: { 'agent-1': iso(T0) }, timeouts: { idleTimeoutSeconds: 600 } });

    expect(applyHeartbeat(session, { kind: 'ping', connectionId: 'agent-1' }, T0 + 5 * MINUTE)).toMatchObject({ agentConnections: { 'agent-1': iso(T0 + 5 * MINUTE) } });
    expect(applyHeartbeat(session, { kind: 'connect', connectionId: 'tab-1' }, T0 + 10 * MINUTE + 1)).toMatchObject({ agentConnections: {} });
  });

  it('moves an id to the set its last connect claims', () => {
    const session = sessionFixture({ now: T0, openConnections: { shared: iso(T0) }, timeouts });

    const asAgent = applyPatch(session, applyHeartbeat(session, { ...AGENT, connectionId: 'shared' }, T0 + MINUTE));
    const back = applyPatch(asAgent, applyHeartbeat(asAgent, { kind: 'connect', connectionId: 'shared' }, T0 + 2 * MINUTE));

    expect(asAgent).toMatchObject({ openConnections: {}, agentConnections: { shared: iso(T0 + MINUTE) }, disconnectedAt: iso(T0 + MINUTE) });
    expect(back).toMatchObject({ openConnections: { shared: iso(T0 + 2 * MINUTE) }, agentConnections: {} });
    expect(back).not.toHaveProperty('disconnectedAt');
  });
});

describe('applyHeartbeat and the connection bounds', () => {
  const timeouts = { idleTimeoutSeconds: 600 }; // stale after 600 s; seen-time rewritten after 300 s

  it('drops ids not seen for longer than the idle timeout at the next connect or disconnect', () => {
    const session = sessionFixture({ now: T0, openConnections: { crashed: iso(T0), 'tab-1': iso(T0 + 9 * MINUTE) }, timeouts });

    const onConnect = applyHeartbeat(session, { kind: 'connect', connectionId: 'tab-2' }, T0 + 10 * MINUTE + 1);
    const onDisconnect = applyHeartbeat(session, { kind: 'disconnect', connectionId: 'tab-1' }, T0 + 10 * MINUTE + 1);

    expect(Object.keys(onConnect?.openConnections ?? {}).sort()).toEqual(['tab-1', 'tab-2']);
    expect(onDisconnect?.openConnections).toEqual({});
    expect(onDisconnect?.disconnectedAt).toBe(iso(T0 + 10 * MINUTE + 1));
  });

  it('keeps an id seen exactly one idle timeout ago', () => {
    const session = sessionFixture({ now: T0, openConnections: { quiet: iso(T0) }, timeouts });

    const patch = applyHeartbeat(session, { kind: 'connect', connectionId: 'tab-2' }, T0 + 10 * MINUTE);

    expect(Object.keys(patch?.openConnections ?? {}).sort()).toEqual(['quiet', 'tab-2']);
  });

  it(`keeps at most ${MAX_OPEN_CONNECTIONS} ids: a connect beyond that drops the stalest other id`, () => {
    const open = Object.fromEntries(Array.from({ length: MAX_OPEN_CONNECTIONS }, (_, i) => [`tab-${i}`, iso(T0 + i * SECOND)]));
    const session = sessionFixture({ now: T0, openConnections: open, timeouts });

    const patch = applyHeartbeat(session, { kind: 'connect', connectionId: 'newest' }, T0 + MINUTE);

    expect(Object.keys(patch?.openConnections ?? {})).toHaveLength(MAX_OPEN_CONNECTIONS);
    expect(patch?.openConnections).not.toHaveProperty('tab-0');
    expect(patch?.openConnections).toHaveProperty('newest', iso(T0 + MINUTE));
  });

  it('a ping naming an open id rewrites its seen-time once half an idle timeout old, and not before', () => {
    const session = sessionFixture({ now: T0, openConnections: { 'tab-1': iso(T0) }, timeouts });

    expect(applyHeartbeat(session, { kind: 'ping', connectionId: 'tab-1' }, T0 + 5 * MINUTE - 1)).toBeUndefined();
    expect(applyHeartbeat(session, { kind: 'ping', connectionId: 'tab-1' }, T0 + 5 * MINUTE)?.openConnections).toEqual({
      'tab-1': iso(T0 + 5 * MINUTE),
    });
    expect(applyHeartbeat(session, { kind: 'ping', connectionId: 'unknown' }, T0 + 9 * MINUTE)).toBeUndefined();
  });

  it('a written interaction marks the id it names as seen, in the same write', () => {
    const session = sessionFixture({ now: T0, openConnections: { 'tab-1': iso(T0) }, timeouts });
    const now = T0 + MINUTE;

    const patch = applyHeartbeat(session, { kind: 'interaction', connectionId: 'tab-1' }, now);

    expect(patch).toMatchObject({ lastActivityAt: iso(now), openConnections: { 'tab-1': iso(now) } });
  });

  it('a report never opens a connection: only connect does', () => {
    const session = sessionFixture({ now: T0, openConnections: {}, timeouts });

    const patch = applyHeartbeat(session, { kind: 'interaction', connectionId: 'tab-1' }, T0 + MINUTE);

    expect(patch).not.toHaveProperty('openConnections');
  });
});

describe('interactionWrittenFromMs: the batching window', () => {
  it('ends one write threshold after the last activity', () => {
    const session = sessionFixture({ now: T0, timeouts: { idleTimeoutSeconds: 900 } });

    expect(interactionWrittenFromMs(session)).toBe(T0 + 45 * SECOND);
  });

  it('ends at the idle deadline\'s warning when that comes first, so a working user is not warned', () => {
    // 60 s idle, warned 58 s before: the warning (T0 + 2 s) comes before the window ends (T0 + 3 s).
    const session = sessionFixture({ now: T0, timeouts: { idleTimeoutSeconds: 60, warnBeforeSeconds: 58 } });

    expect(interactionWrittenFromMs(session)).toBe(T0 + 2 * SECOND);
    expect(applyHeartbeat(session, { kind: 'interaction' }, T0 + 2 * SECOND - 1)).toBeUndefined();
    expect(applyHeartbeat(session, { kind: 'interaction' }, T0 + 2 * SECOND)).toMatchObject({ expiresAt: iso(T0 + 62 * SECOND) });
  });

  it('ignores a warning already sent, one for another deadline, and one as long as the idle timeout', () => {
    const warned = sessionFixture({ now: T0, timeouts: { idleTimeoutSeconds: 60, warnBeforeSeconds: 58 } });
    const capped = sessionFixture({ now: T0, timeouts: { idleTimeoutSeconds: 60, maxLifetimeSeconds: 60, warnBeforeSeconds: 58 } });
    const tooLong = sessionFixture({ now: T0, timeouts: { idleTimeoutSeconds: 60, warnBeforeSeconds: 60 } });

    expect(interactionWrittenFromMs({ ...warned, warnedFor: warned.expiresAt })).toBe(T0 + 3 * SECOND);
    expect(capped.expiryReason).toBe('max_lifetime');
    expect(interactionWrittenFromMs(capped)).toBe(T0 + 3 * SECOND);
    expect(interactionWrittenFromMs(tooLong)).toBe(T0 + 3 * SECOND);
  });
});

describe('applyExtend', () => {
  it('keeps the session alive for the asked seconds from now', () => {
    const session = sessionFixture({ now: T0 });
    const now = T0 + 10 * MINUTE;

    const patch = applyExtend(session, 3600, now);

    expect(patch).toEqual({ extendedUntil: iso(now + HOUR), expiresAt: iso(now + HOUR), expiryReason: 'idle_timeout' });
  });

  it('is clamped to the hard cap', () => {
    const session = sessionFixture({ now: T0, timeouts: { maxLifetimeSeconds: 3600 } });

    const patch = applyExtend(session, 24 * 3600, T0 + MINUTE);

    expect(patch).toEqual({
      extendedUntil: session.maxExpiresAt,
      expiresAt: session.maxExpiresAt,
      expiryReason: 'max_lifetime',
    });
  });

  it('never shortens an earlier, longer extend', () => {
    const session = sessionFixture({ now: T0, extendedUntil: iso(T0 + 3 * HOUR) });

    const patch = applyExtend(session, 60, T0 + HOUR);

    expect(patch.extendedUntil).toBe(iso(T0 + 3 * HOUR));
    expect(patch.expiresAt).toBe(iso(T0 + 3 * HOUR));
  });

  it.each([0, -1, -3600, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects %s seconds naming the field', (seconds) => {
    const session = sessionFixture({ now: T0 });

    const error = thrownBy(() => applyExtend(session, seconds, T0));

    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: 'seconds', code: 'validation_failed' });
  });
});

describe('activityLevel', () => {
  const timeouts = { activeWithinSeconds: 120, idleWithinSeconds: 600 };

  it.each([
    [0, 'active'],
    [120 * SECOND - 1, 'active'],
    [120 * SECOND, 'idle'],
    [600 * SECOND - 1, 'idle'],
    [600 * SECOND, 'background'],
    [5 * HOUR, 'background'],
  ] as const)('is %s ms after the last activity: %s', (ageMs, level) => {
    const session = sessionFixture({ now: T0, openConnections: openTabs(1, T0), timeouts });

    expect(activityLevel(session, T0 + ageMs)).toBe(level);
  });

  it('uses the thresholds snapshotted from the profile', () => {
    const session = sessionFixture({ now: T0, openConnections: openTabs(1, T0), timeouts: { activeWithinSeconds: 10, idleWithinSeconds: 20 } });

    expect(activityLevel(session, T0 + 15 * SECOND)).toBe('idle');
    expect(activityLevel(session, T0 + 20 * SECOND)).toBe('background');
  });

  it('is disconnected when every client has gone after a connect, however recent the activity', () => {
    const session = sessionFixture({ now: T0, openConnections: {}, disconnectedAt: iso(T0), timeouts });

    expect(activityLevel(session, T0)).toBe('disconnected');
  });

  it('goes by activity for a session that never had a client', () => {
    const session = sessionFixture({ now: T0, openConnections: {}, timeouts });

    expect(activityLevel(session, T0 + MINUTE)).toBe('active');
  });
});

describe('warningDue and nextFireAtMs', () => {
  const session = sessionFixture({ now: T0, openConnections: openTabs(1, T0), timeouts: { idleTimeoutSeconds: 900, warnBeforeSeconds: 60 } });
  const deadline = ms(session.expiresAt);

  it('fires at the warning time first, then the deadline once warned', () => {
    expect(nextFireAtMs(session)).toBe(deadline - 60 * SECOND);
    expect(nextFireAtMs({ ...session, warnedFor: session.expiresAt })).toBe(deadline);
  });

  it('is due from warnBeforeSeconds before the deadline, not earlier', () => {
    expect(warningDue(session, deadline - 60 * SECOND - 1)).toBe(false);
    expect(warningDue(session, deadline - 60 * SECOND)).toBe(true);
    expect(warningDue(session, deadline + MINUTE)).toBe(true);
  });

  it('is not due again for a deadline already warned about', () => {
    expect(warningDue({ ...session, warnedFor: session.expiresAt }, deadline - SECOND)).toBe(false);
  });

  it('is due again when the deadline moved after a warning', () => {
    const moved = { ...session, warnedFor: iso(deadline - 10 * MINUTE) };

    expect(warningDue(moved, deadline - 30 * SECOND)).toBe(true);
    expect(nextFireAtMs(moved)).toBe(deadline - 60 * SECOND);
  });

  it('is never due when the profile sets no warning', () => {
    const silent = sessionFixture({ now: T0, timeouts: { warnBeforeSeconds: undefined } });

    expect(warningDue(silent, ms(silent.expiresAt))).toBe(false);
    expect(nextFireAtMs(silent)).toBe(ms(silent.expiresAt));
  });
});
