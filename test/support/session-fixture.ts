// A valid Session for tests, consistent unless a test says otherwise: the deadline fields follow
// from the timestamps by the real deadline policy, and ended sessions carry an end.
import { createHash, randomUUID } from 'node:crypto';
import { computeDeadline } from '../../lambdas/domain/deadline-policy';
import { type Session, type SessionTimeouts, isEnded, iso, ms, scheduleNameFor } from '../../lambdas/domain/session';

/** The activity token whose hash fixtures carry, for tests of token-authenticated heartbeats. */
export const FIXTURE_ACTIVITY_TOKEN = 'fixture-activity-token';

export const FIXTURE_TIMEOUTS: SessionTimeouts = {
  idleTimeoutSeconds: 900,
  maxLifetimeSeconds: 8 * 3600,
  activeWithinSeconds: 120,
  idleWithinSeconds: 600,
  stopTimeoutSeconds: 30,
};

const has = <K extends keyof Session>(overrides: Partial<Session>, key: K): boolean => Object.hasOwn(overrides, key);

/**
 * A `running` session of `owner-1` (profile `demo`), created now (`Date.now()`, so fake timers
 * apply). Timestamps not overridden derive from `createdAt`; `expiresAt`/`expiryReason` come from
 * `computeDeadline` unless overridden. `starting` sessions have no `startedAt`; `stopped`/`failed`
 * ones get `endedAt`, an `endReason` and no schedule. An override of `undefined` removes a field.
 */
export const sessionFixture = (overrides: Partial<Session> = {}): Session => {
  const id = overrides.id ?? randomUUID();
  const status = overrides.status ?? 'running';
  const createdAt = overrides.createdAt ?? iso(Date.now());
  const timeouts = overrides.timeouts ?? FIXTURE_TIMEOUTS;
  const ended = isEnded(status);
  const base: Session = {
    id,
    ownerId: 'owner-1',
    profile: 'demo',
    status,
    createdAt,
    ...(status !== 'starting' && { startedAt: createdAt }),
    ...(ended && { endedAt: createdAt, endReason: status === 'failed' ? 'start_failed' : 'user_request' }),
    lastActivityAt: createdAt,
    connections: 0,
    expiresAt: createdAt,
    expiryReason: 'idle_timeout',
    maxExpiresAt: iso(ms(createdAt) + timeouts.maxLifetimeSeconds * 1000),
    timeouts,
    metadata: {},
    ...(!ended && { scheduleName: scheduleNameFor(id, 1) }),
    scheduleSeq: 1,
    activityTokenHash: createHash('sha256').update(FIXTURE_ACTIVITY_TOKEN).digest('hex'),
    version: 1,
  };
  const session: Session = { ...base, ...overrides };
  if (!has(overrides, 'expiresAt') || !has(overrides, 'expiryReason')) {
    const { expiresAtMs, reason } = computeDeadline(session);
    if (!has(overrides, 'expiresAt')) session.expiresAt = iso(expiresAtMs);
    if (!has(overrides, 'expiryReason')) session.expiryReason = reason;
  }
  for (const key of Object.keys(session) as (keyof Session)[]) {
    if (session[key] === undefined) delete session[key];
  }
  return session;
};
