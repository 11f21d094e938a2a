// Valid Session records for the pure domain tests, built without test/support so the domain tests
// depend on nothing but the domain. The deadline fields are derived, as the store would keep them.
import { type DeadlinePatch, computeDeadline } from '../../../lambdas/domain/deadline-policy';
import { type Session, type SessionTimeouts, iso, ms } from '../../../lambdas/domain/session';

/** A fixed instant the examples count from (a Tuesday, mid-month, no DST edge: UTC anyway). */
export const T0 = Date.parse('2026-03-10T12:00:00.000Z');
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

export const SESSION_ID = '3f1c1a52-8c2e-4c0b-9f4e-2b8f0c6d7a11';

export const DEFAULT_TIMEOUTS: SessionTimeouts = {
  idleTimeoutSeconds: 900,
  maxLifetimeSeconds: 8 * 3600,
  disconnectGraceSeconds: 600,
  warnBeforeSeconds: 60,
  activeWithinSeconds: 120,
  idleWithinSeconds: 600,
  stopTimeoutSeconds: 30,
};

export type SessionOverrides = Omit<Partial<Session>, 'timeouts'> & { timeouts?: Partial<SessionTimeouts> };

/**
 * A running session created at T0 (unless overridden). `maxExpiresAt` follows createdAt and the
 * max lifetime; `expiresAt`/`expiryReason` come from computeDeadline unless given explicitly.
 */
export const makeSession = (overrides: SessionOverrides = {}): Session => {
  const { timeouts: timeoutOverrides, ...rest } = overrides;
  const timeouts: SessionTimeouts = { ...DEFAULT_TIMEOUTS, ...timeoutOverrides };
  const createdAt = rest.createdAt ?? iso(T0);
  const id = rest.id ?? SESSION_ID;
  const base: Session = {
    id,
    ownerId: 'user-1',
    profile: 'demo',
    status: 'running',
    createdAt,
    startedAt: createdAt,
    lastActivityAt: createdAt,
    connections: 0,
    maxExpiresAt: iso(ms(createdAt) + timeouts.maxLifetimeSeconds * 1000),
    expiresAt: createdAt,
    expiryReason: 'idle_timeout',
    timeouts,
    metadata: {},
    scheduleName: `${id}-1`,
    scheduleSeq: 1,
    activityTokenHash: 'a'.repeat(64),
    version: 1,
    ...rest,
  };
  const derived = computeDeadline(base);
  return {
    ...base,
    expiresAt: rest.expiresAt ?? iso(derived.expiresAtMs),
    expiryReason: rest.expiryReason ?? derived.reason,
  };
};

/** What a store does with a deadline patch: set the fields, remove `disconnectedAt` on null, bump the version. */
export const applyPatch = (session: Session, patch: DeadlinePatch | undefined): Session => {
  if (patch === undefined) return session;
  const { disconnectedAt, ...fields } = patch;
  const next: Session = { ...session, ...fields, version: session.version + 1 };
  if (disconnectedAt === null) delete next.disconnectedAt;
  else if (disconnectedAt !== undefined) next.disconnectedAt = disconnectedAt;
  return next;
};

/** The error `fn` throws; fails the test when it throws nothing. */
export const thrownBy = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw, got none');
};
