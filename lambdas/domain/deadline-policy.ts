// The deadline policy (README "How a session's deadline works"): a pure function of the record (and
// `now` for the activity level). Every write that touches activity, connections or extends goes
// through here.
import {
  type DeadlineReason,
  type Session,
  type SessionTimeouts,
  iso,
  ms,
} from './session';
import { ValidationError } from './errors';
// The activity levels are wire vocabulary, shared with the CDK app (dashboard lines); the heartbeat
// kinds are the activity route's, shared with the CLI.
import { ACTIVITY_LEVELS, type ActivityLevel, HEARTBEAT_KINDS, type HeartbeatKind } from '../../contract/vocabulary';

export { ACTIVITY_LEVELS, type ActivityLevel, HEARTBEAT_KINDS, type HeartbeatKind };

/** The fields the deadline depends on. */
export type DeadlineInputs = Pick<
  Session,
  'lastActivityAt' | 'connections' | 'disconnectedAt' | 'extendedUntil' | 'maxExpiresAt'
> & Partial<Pick<Session, 'queuedAt' | 'startedAt'>> & { timeouts: Pick<SessionTimeouts, 'idleTimeoutSeconds' | 'disconnectGraceSeconds'> };

export interface Deadline {
  expiresAtMs: number;
  reason: DeadlineReason;
}

/**
 * expiresAt = min(idle deadline, disconnect deadline, max lifetime). Ties go to `max_lifetime`
 * (the hard cap is the truest explanation), then `disconnected`, then `idle_timeout`.
 */
export const computeDeadline = (s: DeadlineInputs): Deadline => {
  // A queued session cannot be used yet: its idle clock starts when the task is RUNNING (startedAt),
  // never in the queue; only the max lifetime (from creation) binds meanwhile (README "Starting at
  // the rate ECS allows"; the start timeout ends a start that takes too long).
  const idleFromMs = s.startedAt !== undefined ? Math.max(ms(s.lastActivityAt), ms(s.startedAt)) : ms(s.lastActivityAt);
  const queued = s.queuedAt !== undefined && s.startedAt === undefined;
  const idleMs = Math.max(
    queued ? Number.POSITIVE_INFINITY : idleFromMs + s.timeouts.idleTimeoutSeconds * 1000,
    s.extendedUntil ? ms(s.extendedUntil) : Number.NEGATIVE_INFINITY,
  );
  const grace = s.timeouts.disconnectGraceSeconds;
  const disconnectMs =
    s.connections === 0 && s.disconnectedAt !== undefined && grace !== undefined
      ? ms(s.disconnectedAt) + grace * 1000
      : Number.POSITIVE_INFINITY;
  const maxMs = ms(s.maxExpiresAt);
  const expiresAtMs = Math.min(idleMs, disconnectMs, maxMs);
  const reason: DeadlineReason =
    expiresAtMs === maxMs ? 'max_lifetime' : expiresAtMs === disconnectMs ? 'disconnected' : 'idle_timeout';
  return { expiresAtMs, reason };
};

/** What a change to the deadline inputs writes: the changed fields plus the derived deadline. */
export type DeadlinePatch = Partial<
  Pick<Session, 'lastActivityAt' | 'connections' | 'extendedUntil' | 'expiresAt' | 'expiryReason'>
> & { disconnectedAt?: string | null };

/**
 * Interactions closer together than this are acknowledged without a write: the deadline they would
 * set differs from the stored one by at most this much, a small price for far fewer writes.
 */
export const heartbeatWriteThresholdMs = (idleTimeoutSeconds: number): number =>
  Math.max(idleTimeoutSeconds * 1000 * 0.05, 1000);

const withDeadline = (session: Session, patch: DeadlinePatch): DeadlinePatch => {
  const next: Session = { ...session, ...patch, disconnectedAt: patch.disconnectedAt === null ? undefined : (patch.disconnectedAt ?? session.disconnectedAt) };
  const { expiresAtMs, reason } = computeDeadline(next);
  return { ...patch, expiresAt: iso(expiresAtMs), expiryReason: reason };
};

/**
 * The write a heartbeat needs, or `undefined` when none is needed (pings, batched interactions,
 * a disconnect with nothing connected).
 */
export const applyHeartbeat = (session: Session, kind: HeartbeatKind, nowMs: number): DeadlinePatch | undefined => {
  switch (kind) {
    case 'ping':
      return undefined;
    case 'interaction': {
      const moved = nowMs - ms(session.lastActivityAt);
      if (moved < heartbeatWriteThresholdMs(session.timeouts.idleTimeoutSeconds)) return undefined;
      return withDeadline(session, { lastActivityAt: iso(nowMs) });
    }
    case 'connect':
      return withDeadline(session, { connections: session.connections + 1, disconnectedAt: null });
    case 'disconnect': {
      if (session.connections === 0) return undefined;
      const connections = session.connections - 1;
      return withDeadline(session, connections === 0 ? { connections, disconnectedAt: iso(nowMs) } : { connections });
    }
  }
};

/**
 * Keep the session alive for `seconds` from now: never shortens an earlier extend, never passes the
 * hard cap. Returns the write.
 */
export const applyExtend = (session: Session, seconds: number, nowMs: number): DeadlinePatch => {
  if (!Number.isInteger(seconds) || seconds <= 0) {
    throw new ValidationError('seconds', 'seconds must be a positive whole number');
  }
  const wanted = nowMs + seconds * 1000;
  const current = session.extendedUntil ? ms(session.extendedUntil) : Number.NEGATIVE_INFINITY;
  const extendedUntilMs = Math.min(Math.max(wanted, current), ms(session.maxExpiresAt));
  return withDeadline(session, { extendedUntil: iso(extendedUntilMs) });
};

/** For display and metrics: disconnected after a connect dropped to zero; else by age of the last activity. */
export const activityLevel = (
  s: Pick<Session, 'connections' | 'disconnectedAt' | 'lastActivityAt' | 'timeouts'>,
  nowMs: number,
): ActivityLevel => {
  if (s.connections === 0 && s.disconnectedAt !== undefined) return 'disconnected';
  const ageMs = nowMs - ms(s.lastActivityAt);
  if (ageMs < s.timeouts.activeWithinSeconds * 1000) return 'active';
  if (ageMs < s.timeouts.idleWithinSeconds * 1000) return 'idle';
  return 'background';
};

/** Whether the pre-expiry warning for the current deadline is due and not yet sent. */
export const warningDue = (s: Pick<Session, 'expiresAt' | 'warnedFor' | 'timeouts'>, nowMs: number): boolean => {
  const lead = s.timeouts.warnBeforeSeconds;
  if (lead === undefined || s.warnedFor === s.expiresAt) return false;
  return nowMs >= ms(s.expiresAt) - lead * 1000;
};

/** When to fire for this session next: the warning time if one is pending, else the deadline. */
export const nextFireAtMs = (s: Pick<Session, 'expiresAt' | 'warnedFor' | 'timeouts'>): number => {
  const deadline = ms(s.expiresAt);
  const lead = s.timeouts.warnBeforeSeconds;
  if (lead === undefined || s.warnedFor === s.expiresAt) return deadline;
  return deadline - lead * 1000;
};

/** The write of a session reaching RUNNING: its startedAt and the deadline, whose idle clock starts now. */
export const applyStarted = (session: Session, startedAt: string): DeadlinePatch & { startedAt: string } => {
  const { expiresAtMs, reason } = computeDeadline({ ...session, startedAt });
  return { startedAt, expiresAt: iso(expiresAtMs), expiryReason: reason };
};
