// The one valid Session for tests, consistent unless a test says otherwise: the deadline fields
// follow from the timestamps by the real deadline policy, and ended sessions carry an end. It needs
// nothing but the domain, so the pure domain tests use it as the use-case and store tests do.
import { createHash, randomUUID } from 'node:crypto';
import { computeDeadline } from '../../lambdas/domain/deadline-policy';
import { type Session, type SessionTimeouts, isEnded, iso, ms, scheduleNameFor } from '../../lambdas/domain/session';

/** A fixed session id, for tests whose output names the session (`sessionFixture({ id: SESSION_ID })`). */
export const SESSION_ID = '3f1c1a52-8c2e-4c0b-9f4e-2b8f0c6d7a11';

/** The activity token whose hash fixtures carry, for tests of token-authenticated heartbeats. */
export const FIXTURE_ACTIVITY_TOKEN = 'fixture-activity-token';

/** `n` open connections named `tab-1` … `tab-n`, each last seen at `seenAtMs`. */
export const openTabs = (n: number, seenAtMs: number): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`tab-${i + 1}`, iso(seenAtMs)]));

/** No disconnect grace and no warning: a test that wants either says so in `timeouts`. */
export const FIXTURE_TIMEOUTS: SessionTimeouts = {
  idleTimeoutSeconds: 900,
  maxLifetimeSeconds: 8 * 3600,
  activeWithinSeconds: 120,
  idleWithinSeconds: 600,
  stopTimeoutSeconds: 30,
  resourceWarningPercent: 90,
};

export interface SessionFixtureOptions extends Omit<Partial<Session>, 'timeouts'> {
  /** When the session was created (epoch ms), unless `createdAt` says; default `Date.now()`, so fake timers apply. */
  now?: number;
  /** Merged over FIXTURE_TIMEOUTS; a timeout given as `undefined` is removed. */
  timeouts?: Partial<SessionTimeouts>;
}

const has = (options: SessionFixtureOptions, key: keyof Session): boolean => Object.hasOwn(options, key);

const withoutUndefined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/**
 * A `running` session of `owner-1` (profile `demo`) with a random id, created at `now`. Timestamps
 * not overridden derive from `createdAt`; `expiresAt`/`expiryReason` come from `computeDeadline`
 * unless overridden. `starting` sessions have no `startedAt`; `stopped`/`failed` ones get
 * `endedAt`, an `endReason` and no schedule. An override of `undefined` removes a field.
 */
export const sessionFixture = (options: SessionFixtureOptions = {}): Session => {
  const { now, timeouts: timeoutOverrides, ...overrides } = options;
  const id = overrides.id ?? randomUUID();
  const status = overrides.status ?? 'running';
  const createdAt = overrides.createdAt ?? iso(now ?? Date.now());
  const timeouts = withoutUndefined({ ...FIXTURE_TIMEOUTS, ...timeoutOverrides });
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
    openConnections: {},
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
  const session: Session = { ...base, ...overrides, timeouts };
  if (!has(options, 'expiresAt') || !has(options, 'expiryReason')) {
    const { expiresAtMs, reason } = computeDeadline(session);
    if (!has(options, 'expiresAt')) session.expiresAt = iso(expiresAtMs);
    if (!has(options, 'expiryReason')) session.expiryReason = reason;
  }
  return withoutUndefined(session);
};
