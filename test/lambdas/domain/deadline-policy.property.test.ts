// Property tests of the deadline policy: over random sessions and random sequences of heartbeats
// and extends, the promises of README "How a session's deadline works" hold after every step. The
// expected deadline is recomputed here from the fields, independently of computeDeadline.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_OPEN_CONNECTIONS, openConnectionCount } from '../../../lambdas/domain/connections';
import {
  type Heartbeat,
  applyExtend,
  applyHeartbeat,
  computeDeadline,
  heartbeatWriteThresholdMs,
} from '../../../lambdas/domain/deadline-policy';
import { type DeadlineReason, type Session, iso, ms } from '../../../lambdas/domain/session';
import { sessionFixture } from '../../support/session-fixture';
import { HOUR, MINUTE, SECOND, T0 } from '../../support/time';
import { applyPatch } from './apply-patch';

const NUM_RUNS = 300;

/** The oracle: every deadline that applies, in tie-break order; the earliest wins, the first on ties. */
const expectedDeadline = (s: Session): { at: number; reason: DeadlineReason } => {
  const candidates: { at: number; reason: DeadlineReason }[] = [{ at: ms(s.maxExpiresAt), reason: 'max_lifetime' }];
  if (s.scheduledStopAt !== undefined) candidates.push({ at: ms(s.scheduledStopAt), reason: 'scheduled_stop' });
  const grace = s.timeouts.disconnectGraceSeconds;
  if (openConnectionCount(s.openConnections) === 0 && s.disconnectedAt !== undefined && grace !== undefined) {
    candidates.push({ at: ms(s.disconnectedAt) + grace * SECOND, reason: 'disconnected' });
  }
  const idleAt = ms(s.lastActivityAt) + s.timeouts.idleTimeoutSeconds * SECOND;
  const extendedAt = s.extendedUntil === undefined ? idleAt : ms(s.extendedUntil);
  candidates.push({ at: Math.max(idleAt, extendedAt), reason: 'idle_timeout' });
  return candidates.reduce((best, c) => (c.at < best.at ? c : best));
};

/** A few connection ids, so that reports meet ids that are open, closed and never seen. */
const CONNECTION_IDS = ['tab-a', 'tab-b', 'tab-c', 'kernel.1'] as const;
const connectionIdArb = fc.constantFrom(...CONNECTION_IDS);

/** Open ids, each seen at some time in the first day. */
const openConnectionsArb = fc.dictionary(connectionIdArb, fc.integer({ min: 0, max: 24 * HOUR }).map((offset) => iso(T0 + offset)), {
  maxKeys: 3,
});

const graceArb = fc.option(fc.integer({ min: 1, max: 3600 }), { nil: undefined });

/**
 * A consistent stored session: disconnectedAt only with no open connection, extendedUntil within the
 * cap and the scheduled stop (when the profile has one, anywhere in the first day and a half).
 */
const sessionArb = fc
  .record({
    idleTimeoutSeconds: fc.integer({ min: 1, max: 4 * 3600 }),
    maxLifetimeSeconds: fc.integer({ min: 1, max: 24 * 3600 }),
    disconnectGraceSeconds: graceArb,
    lastActivityOffsetMs: fc.integer({ min: 0, max: 24 * HOUR }),
    openConnections: openConnectionsArb,
    disconnectedOffsetMs: fc.option(fc.integer({ min: 0, max: 24 * HOUR }), { nil: undefined }),
    extendedOffsetMs: fc.option(fc.integer({ min: 0, max: 30 * HOUR }), { nil: undefined }),
    scheduledStopOffsetMs: fc.option(fc.integer({ min: 1, max: 36 * HOUR }), { nil: undefined }),
  })
  .map((r) =>
    sessionFixture({
      now: T0,
      lastActivityAt: iso(T0 + r.lastActivityOffsetMs),
      openConnections: r.openConnections,
      ...(openConnectionCount(r.openConnections) === 0 && r.disconnectedOffsetMs !== undefined && { disconnectedAt: iso(T0 + r.disconnectedOffsetMs) }),
      ...(r.scheduledStopOffsetMs !== undefined && { scheduledStopAt: iso(T0 + r.scheduledStopOffsetMs) }),
      ...(r.extendedOffsetMs !== undefined && {
        extendedUntil: iso(
          Math.min(T0 + r.extendedOffsetMs, T0 + r.maxLifetimeSeconds * SECOND, T0 + (r.scheduledStopOffsetMs ?? Number.POSITIVE_INFINITY)),
        ),
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

const clientHeartbeatArb: fc.Arbitrary<Heartbeat> = fc.oneof(
  fc.record({ kind: fc.constantFrom('interaction' as const, 'ping' as const), connectionId: connectionIdArb }, { requiredKeys: ['kind'] }),
  fc.record({ kind: fc.constantFrom('connect' as const, 'disconnect' as const), connectionId: connectionIdArb }),
);

/** The session agent's reports: its connect says `agent`, then pings and a disconnect naming it. */
const AGENT_IDS = ['agent-1', 'agent-2'] as const;
const agentHeartbeatArb: fc.Arbitrary<Heartbeat> = fc.oneof(
  fc.record({ kind: fc.constant('connect' as const), connectionId: fc.constantFrom(...AGENT_IDS), agent: fc.constant(true) }),
  fc.record({ kind: fc.constantFrom('ping' as const, 'disconnect' as const), connectionId: fc.constantFrom(...AGENT_IDS) }),
);

/** Mostly clients; now and then an agent, or a client's connect under an id an agent holds. */
const heartbeatArb: fc.Arbitrary<Heartbeat> = fc.oneof(
  { arbitrary: clientHeartbeatArb, weight: 4 },
  { arbitrary: agentHeartbeatArb, weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('connect' as const), connectionId: fc.constantFrom(...AGENT_IDS) }), weight: 1 },
);

type Op = { type: 'heartbeat'; heartbeat: Heartbeat; advanceMs: number } | { type: 'extend'; seconds: number; advanceMs: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant('heartbeat' as const), heartbeat: heartbeatArb, advanceMs: advanceArb }),
  fc.record({ type: fc.constant('extend' as const), seconds: fc.integer({ min: 1, max: 48 * 3600 }), advanceMs: advanceArb }),
);

const scenarioArb = fc.record({
  session: sessionArb,
  startOffsetMs: fc.integer({ min: 0, max: 24 * HOUR }),
  ops: fc.array(opArb, { minLength: 1, maxLength: 40 }),
});

/** The earlier of the hard cap and the scheduled stop: what no activity or extend may pass. */
const fixedMs = (s: Session): number =>
  Math.min(ms(s.maxExpiresAt), s.scheduledStopAt === undefined ? Number.POSITIVE_INFINITY : ms(s.scheduledStopAt));

const extendedMs = (s: Session): number =>
  s.extendedUntil === undefined ? Number.NEGATIVE_INFINITY : ms(s.extendedUntil);

/** Checks that hold for every stored session, whatever happened before. */
const expectConsistent = (s: Session): void => {
  expect(ms(s.expiresAt)).toBeLessThanOrEqual(fixedMs(s));
  const expected = expectedDeadline(s);
  expect({ expiresAt: s.expiresAt, expiryReason: s.expiryReason }).toEqual({
    expiresAt: iso(expected.at),
    expiryReason: expected.reason,
  });
  expect(openConnectionCount(s.openConnections)).toBeLessThanOrEqual(MAX_OPEN_CONNECTIONS);
  expect(openConnectionCount(s.agentConnections ?? {})).toBeLessThanOrEqual(MAX_OPEN_CONNECTIONS);
  // An id is a client's or the agent's, never both.
  expect(Object.keys(s.openConnections).filter((id) => Object.hasOwn(s.agentConnections ?? {}, id))).toEqual([]);
  if (openConnectionCount(s.openConnections) > 0) expect(s.disconnectedAt).toBeUndefined();
  if (s.extendedUntil !== undefined) expect(ms(s.extendedUntil)).toBeLessThanOrEqual(fixedMs(s));
};

describe('deadline policy properties', () => {
  it('computeDeadline agrees with the oracle on arbitrary inputs, including stale ones', () => {
    fc.assert(
      fc.property(
        sessionArb,
        openConnectionsArb,
        fc.option(fc.integer({ min: 0, max: 24 * HOUR }), { nil: undefined }),
        (session, openConnections, disconnectedOffsetMs) => {
          const inputs = {
            ...session,
            openConnections,
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
          const patch = op.type === 'heartbeat' ? applyHeartbeat(before, op.heartbeat, now) : applyExtend(before, op.seconds, now);
          session = applyPatch(before, patch);

          expectConsistent(session);
          expect(ms(session.lastActivityAt)).toBeGreaterThanOrEqual(ms(before.lastActivityAt));
          // Nothing a client does moves the fixed deadlines, and the scheduled stop is never passed.
          expect({ maxExpiresAt: session.maxExpiresAt, scheduledStopAt: session.scheduledStopAt }).toEqual({
            maxExpiresAt: before.maxExpiresAt,
            scheduledStopAt: before.scheduledStopAt,
          });
          if (session.scheduledStopAt !== undefined) expect(ms(session.expiresAt)).toBeLessThanOrEqual(ms(session.scheduledStopAt));

          if (op.type === 'extend') {
            // Extend gets what it asked for, up to the cap and the scheduled stop, and never shortens an earlier extend.
            const asked = Math.min(now + op.seconds * SECOND, fixedMs(before));
            expect(extendedMs(session)).toBe(Math.max(asked, extendedMs(before)));
            expect(ms(session.expiresAt)).toBeGreaterThanOrEqual(ms(before.expiresAt));
          } else if (op.heartbeat.kind === 'ping') {
            // A ping at most rewrites when its connection was seen, never the deadline.
            expect(patch === undefined || ['expiresAt,expiryReason,openConnections', 'agentConnections,expiresAt,expiryReason'].includes(Object.keys(patch).sort().join())).toBe(true);
            expect(session.expiresAt).toBe(before.expiresAt);
          } else if (op.heartbeat.kind !== 'disconnect' && !(op.heartbeat.kind === 'connect' && op.heartbeat.agent === true && Object.hasOwn(before.openConnections, op.heartbeat.connectionId))) {
            // Activity never shortens a deadline; only a disconnect may (the grace, by design), or
            // an agent's connect that takes a client's id, which closes that client.
            expect(ms(session.expiresAt)).toBeGreaterThanOrEqual(ms(before.expiresAt));
          }
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("never lets the agent's reports change what the clients hold: the same clients' reports without them give the same deadline", () => {
    const timedArb = fc.record({ heartbeat: fc.oneof({ arbitrary: clientHeartbeatArb, weight: 3 }, { arbitrary: agentHeartbeatArb, weight: 2 }), advanceMs: advanceArb });
    fc.assert(
      fc.property(sessionArb, fc.integer({ min: 0, max: 24 * HOUR }), fc.array(timedArb, { minLength: 1, maxLength: 40 }), (initial, startOffsetMs, ops) => {
        const isAgents = (h: Heartbeat): boolean => (AGENT_IDS as readonly (string | undefined)[]).includes(h.connectionId);
        // Both runs see every op's time; one applies the agent's reports, the other skips them.
        const run = (withAgent: boolean): Session => {
          let session = initial;
          let now = T0 + startOffsetMs;
          for (const { heartbeat, advanceMs } of ops) {
            now += advanceMs;
            if (withAgent || !isAgents(heartbeat)) session = applyPatch(session, applyHeartbeat(session, heartbeat, now));
          }
          return session;
        };
        const clientsView = (s: Session) => {
          const { agentConnections: _agents, version: _version, ...rest } = s;
          return rest;
        };

        expect(clientsView(run(true))).toEqual(clientsView(run(false)));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('writes an interaction exactly when it moves activity by at least max(5% of idle, 1 s), in whole seconds', () => {
    fc.assert(
      fc.property(sessionArb, fc.integer({ min: -HOUR, max: 2 * HOUR }), (session, deltaMs) => {
        const threshold = Math.max(Math.ceil(session.timeouts.idleTimeoutSeconds / 20), 1) * SECOND;
        expect(heartbeatWriteThresholdMs(session.timeouts.idleTimeoutSeconds)).toBe(threshold);
        const now = ms(session.lastActivityAt) + deltaMs;

        const patch = applyHeartbeat(session, { kind: 'interaction' }, now);

        if (deltaMs >= threshold) expect(patch?.lastActivityAt).toBe(iso(now));
        else expect(patch).toBeUndefined();
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('leaves open exactly the ids whose last event was a connect, over any interleaving, duplication or reordering', () => {
    // Any sequence of (id, kind) pairs is an interleaving of per-id event streams in which events may
    // repeat and come in any order; "last" is the order the server applies them. The events come
    // within one idle timeout, so no id goes stale, and there are fewer ids than the bound.
    const eventArb = fc.record({ connectionId: fc.constantFrom('a', 'b', 'c', 'd', 'e'), kind: fc.constantFrom('connect' as const, 'disconnect' as const) });
    fc.assert(
      fc.property(graceArb, fc.array(eventArb, { maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 5 * SECOND }), { minLength: 40, maxLength: 40 }), (disconnectGraceSeconds, events, gapsMs) => {
        let session = sessionFixture({ now: T0, timeouts: { idleTimeoutSeconds: 3600, maxLifetimeSeconds: 8 * 3600, disconnectGraceSeconds } });
        let now = T0 + MINUTE;
        const lastKind = new Map<string, 'connect' | 'disconnect'>();
        events.forEach((event, i) => {
          now += gapsMs[i] ?? 0;
          const wasOpen = Object.hasOwn(session.openConnections, event.connectionId);
          const patch = applyHeartbeat(session, event, now);
          // A disconnect of an id that is not open, or a connect of one that is (seen just now), changes nothing.
          if (event.kind === 'disconnect' && !wasOpen) expect(patch).toBeUndefined();
          if (event.kind === 'connect' && wasOpen) expect(patch).toBeUndefined();
          session = applyPatch(session, patch);
          lastKind.set(event.connectionId, event.kind);

          const expected = [...lastKind].filter(([, kind]) => kind === 'connect').map(([id]) => id).sort();
          expect(Object.keys(session.openConnections).sort()).toEqual(expected);
          const everConnected = events.slice(0, i + 1).some((e) => e.kind === 'connect');
          expect(session.disconnectedAt !== undefined).toBe(expected.length === 0 && everConnected);
          expectConsistent(session);
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('never holds more than the bound, and every id it holds was connected and seen within one idle timeout of the last change', () => {
    const manyIds = fc.integer({ min: 0, max: 60 }).map((n) => `c${n}`);
    const eventArb = fc.record({ connectionId: manyIds, kind: fc.constantFrom('connect' as const, 'connect' as const, 'disconnect' as const), advanceMs: advanceArb });
    fc.assert(
      fc.property(sessionArb, fc.array(eventArb, { maxLength: 80 }), (initial, events) => {
        let session = initial;
        let now = T0 + 25 * HOUR;
        const connectedOnce = new Set(Object.keys(initial.openConnections));
        for (const { advanceMs, ...event } of events) {
          now += advanceMs;
          const patch = applyHeartbeat(session, event, now);
          session = applyPatch(session, patch);
          if (event.kind === 'connect') connectedOnce.add(event.connectionId);

          expect(openConnectionCount(session.openConnections)).toBeLessThanOrEqual(MAX_OPEN_CONNECTIONS);
          for (const [id, seen] of Object.entries(session.openConnections)) {
            expect(connectedOnce.has(id)).toBe(true);
            if (patch?.openConnections !== undefined) expect(now - ms(seen)).toBeLessThanOrEqual(session.timeouts.idleTimeoutSeconds * SECOND);
          }
          if (event.kind === 'connect') expect(session.openConnections).toHaveProperty(event.connectionId);
          if (event.kind === 'disconnect') expect(session.openConnections).not.toHaveProperty(event.connectionId);
          expectConsistent(session);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
