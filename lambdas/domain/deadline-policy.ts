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
import { type OpenConnections, connect, disconnect, markSeen, openConnectionCount, refresh } from './connections';
import { busyCountsUntilMs, busyCreditMs, busyStretchAfter, keptBusy } from './busy-stretch';
import { heartbeatWriteThresholdMs } from './write-window';
// The activity levels are wire vocabulary, shared with the CDK app (dashboard lines); the heartbeat
// kinds are the activity route's, shared with the CLI.
import {
  ACTIVITY_LEVELS,
  type ActivityLevel,
  HEARTBEAT_KINDS,
  type HeartbeatKind,
  PRESENCE_KINDS,
} from '../../contract/vocabulary';
import { type ActivityReport } from '../../contract/wire';

export { ACTIVITY_LEVELS, type ActivityLevel, HEARTBEAT_KINDS, type HeartbeatKind, heartbeatWriteThresholdMs };

/** The fields the deadline depends on. */
export type DeadlineInputs = Pick<
  Session,
  'lastActivityAt' | 'openConnections' | 'disconnectedAt' | 'extendedUntil' | 'maxExpiresAt' | 'scheduledStopAt'
> & Partial<Pick<Session, 'queuedAt' | 'startedAt' | 'lastBusyAt' | 'busySince'>> & {
  timeouts: Pick<SessionTimeouts, 'idleTimeoutSeconds' | 'disconnectGraceSeconds' | 'busy'>;
};

export interface Deadline {
  expiresAtMs: number;
  reason: DeadlineReason;
}

/**
 * expiresAt = min(idle deadline, disconnect deadline, max lifetime, scheduled stop). The idle clock
 * runs from the last interaction or, where the profile has a busy policy, from the last busy report
 * that still counts (busy-stretch.ts), whichever is later. Ties go to
 * `max_lifetime` (the hard cap is the truest explanation), then `scheduled_stop` (the other fixed
 * one), then `disconnected`, then `idle_timeout`.
 */
export const computeDeadline = (s: DeadlineInputs): Deadline => {
  // A queued session cannot be used yet: its idle clock starts when the task is RUNNING (startedAt),
  // never in the queue; only the max lifetime (from creation) binds meanwhile (README "Starting at
  // the rate ECS allows"; the start timeout ends a start that takes too long).
  const idleFromMs = Math.max(
    ms(s.lastActivityAt),
    s.startedAt !== undefined ? ms(s.startedAt) : Number.NEGATIVE_INFINITY,
    busyCreditMs(s) ?? Number.NEGATIVE_INFINITY,
  );
  const queued = s.queuedAt !== undefined && s.startedAt === undefined;
  const idleMs = Math.max(
    queued ? Number.POSITIVE_INFINITY : idleFromMs + s.timeouts.idleTimeoutSeconds * 1000,
    s.extendedUntil ? ms(s.extendedUntil) : Number.NEGATIVE_INFINITY,
  );
  const grace = s.timeouts.disconnectGraceSeconds;
  const disconnectMs =
    openConnectionCount(s.openConnections) === 0 && s.disconnectedAt !== undefined && grace !== undefined
      ? ms(s.disconnectedAt) + grace * 1000
      : Number.POSITIVE_INFINITY;
  const maxMs = ms(s.maxExpiresAt);
  const scheduledMs = s.scheduledStopAt !== undefined ? ms(s.scheduledStopAt) : Number.POSITIVE_INFINITY;
  const expiresAtMs = Math.min(idleMs, disconnectMs, maxMs, scheduledMs);
  const reason: DeadlineReason =
    expiresAtMs === maxMs
      ? 'max_lifetime'
      : expiresAtMs === scheduledMs
        ? 'scheduled_stop'
        : expiresAtMs === disconnectMs
          ? 'disconnected'
          : 'idle_timeout';
  return { expiresAtMs, reason };
};

export { PRESENCE_KINDS };

/** One activity report. */
export type Heartbeat = ActivityReport;

/** What a change to the deadline inputs writes: the changed fields plus the derived deadline. */
export type DeadlinePatch = Partial<
  Pick<Session, 'lastActivityAt' | 'lastBusyAt' | 'busySince' | 'openConnections' | 'extendedUntil' | 'expiresAt' | 'expiryReason'>
> & { disconnectedAt?: string | null };

/** The fields the batching rules (interactions, busy reports) read. */
export type BatchingInputs = Pick<Session, 'lastActivityAt' | 'expiresAt' | 'expiryReason' | 'warnedFor'> &
  Partial<Pick<Session, 'lastBusyAt' | 'busySince'>> & {
    timeouts: Pick<SessionTimeouts, 'idleTimeoutSeconds' | 'warnBeforeSeconds' | 'busy'>;
  };

/**
 * When the warning for the idle deadline goes out, if an interaction can still put it off: the
 * deadline is the idle one, it has not been warned about, and the warning lead is shorter than the
 * idle timeout (so the deadline an interaction sets is not itself due for a warning at once).
 * A warning for the lifetime or disconnect deadline is no interaction's business.
 */
const idleWarningAtMs = (s: BatchingInputs): number => {
  const lead = s.timeouts.warnBeforeSeconds;
  if (lead === undefined || s.expiryReason !== 'idle_timeout' || s.warnedFor === s.expiresAt) return Number.POSITIVE_INFINITY;
  if (lead >= s.timeouts.idleTimeoutSeconds) return Number.POSITIVE_INFINITY;
  return ms(s.expiresAt) - lead * 1000;
};

/**
 * The first moment an interaction is written (the batching rule): once it would move
 * `lastActivityAt` by the write threshold, or once the warning it could put off is due, whichever
 * comes first. Always after `lastActivityAt`, so activity never moves backwards.
 */
export const interactionWrittenFromMs = (s: BatchingInputs): number =>
  Math.min(ms(s.lastActivityAt) + heartbeatWriteThresholdMs(s.timeouts.idleTimeoutSeconds), idleWarningAtMs(s));

/**
 * The same rule for a busy report (with a busy policy): once it would move `lastBusyAt` by the
 * write threshold (the first one at once), or once the idle warning is due while busy reports
 * still count. Past the stretch's counting part busy reports are still written once per window,
 * so that the stretch stays unbroken (a runaway does not start a fresh one), but they move no deadline.
 */
export const busyWrittenFromMs = (s: BatchingInputs): number => {
  if (s.lastBusyAt === undefined) return Number.NEGATIVE_INFINITY;
  const warningAtMs = idleWarningAtMs(s);
  return Math.min(
    ms(s.lastBusyAt) + heartbeatWriteThresholdMs(s.timeouts.idleTimeoutSeconds),
    warningAtMs <= busyCountsUntilMs(s) ? warningAtMs : Number.POSITIVE_INFINITY,
  );
};

/** When the next report of `kind` is written: busy has its own rule where it counts, the rest the interaction's. */
export const reportWrittenFromMs = (s: BatchingInputs, kind: HeartbeatKind): number =>
  kind === 'busy' && s.timeouts.busy !== undefined ? busyWrittenFromMs(s) : interactionWrittenFromMs(s);

const withDeadline = (session: Session, patch: DeadlinePatch): DeadlinePatch => {
  const next: Session = { ...session, ...patch, disconnectedAt: patch.disconnectedAt === null ? undefined : (patch.disconnectedAt ?? session.disconnectedAt) };
  const { expiresAtMs, reason } = computeDeadline(next);
  return { ...patch, expiresAt: iso(expiresAtMs), expiryReason: reason };
};

/** The connection set after a connect: open, so a running disconnect grace is cancelled. */
const connected = (session: Session, openConnections: OpenConnections): DeadlinePatch =>
  withDeadline(session, { openConnections, ...(session.disconnectedAt !== undefined && { disconnectedAt: null }) });

/** After a disconnect: the grace starts when the last id has gone. */
const disconnected = (session: Session, openConnections: OpenConnections, nowMs: number): DeadlinePatch =>
  withDeadline(session, { openConnections, ...(openConnectionCount(openConnections) === 0 && { disconnectedAt: iso(nowMs) }) });

/** A report that changes nothing but, when that is due, the seen-time of the connection it names. */
const seenOnly = (session: Session, connectionId: string | undefined, nowMs: number): DeadlinePatch | undefined => {
  const seen = refresh(session.openConnections, connectionId, nowMs, session.timeouts);
  return seen === undefined ? undefined : withDeadline(session, { openConnections: seen });
};

/**
 * The write a heartbeat needs, or `undefined` when none is needed: pings, batched interactions and
 * busy reports, a repeated connect, a disconnect of an id that is not open. A presence report
 * naming an open connection also refreshes its seen-time when that is due (see connections.ts).
 */
export const applyHeartbeat = (session: Session, heartbeat: Heartbeat, nowMs: number): DeadlinePatch | undefined => {
  const { timeouts } = session;
  switch (heartbeat.kind) {
    case 'ping':
      return seenOnly(session, heartbeat.connectionId, nowMs);
    case 'busy': {
      // Without a busy policy, busy is presence only: a ping.
      const policy = timeouts.busy;
      if (policy === undefined || nowMs < busyWrittenFromMs(session)) return seenOnly(session, heartbeat.connectionId, nowMs);
      const openConnections = markSeen(session.openConnections, heartbeat.connectionId, nowMs);
      return withDeadline(session, { ...busyStretchAfter(session, policy, nowMs), ...(openConnections !== undefined && { openConnections }) });
    }
    case 'interaction': {
      if (nowMs < interactionWrittenFromMs(session)) return seenOnly(session, heartbeat.connectionId, nowMs);
      // The write happens anyway: the connection is seen in it for free.
      const openConnections = markSeen(session.openConnections, heartbeat.connectionId, nowMs);
      return withDeadline(session, { lastActivityAt: iso(nowMs), ...(openConnections !== undefined && { openConnections }) });
    }
    case 'connect': {
      const open = connect(session.openConnections, heartbeat.connectionId, nowMs, timeouts);
      return open === undefined ? undefined : connected(session, open);
    }
    case 'disconnect': {
      const open = disconnect(session.openConnections, heartbeat.connectionId, nowMs, timeouts);
      return open === undefined ? undefined : disconnected(session, open, nowMs);
    }
  }
};

/** The fixed deadlines no activity or extend moves: the hard cap and the scheduled stop. */
export const fixedDeadlineMs = (s: Pick<Session, 'maxExpiresAt' | 'scheduledStopAt'>): number =>
  Math.min(ms(s.maxExpiresAt), s.scheduledStopAt !== undefined ? ms(s.scheduledStopAt) : Number.POSITIVE_INFINITY);

/**
 * Keep the session alive for `seconds` from now: never shortens an earlier extend, never passes the
 * hard cap or the scheduled stop. Returns the write.
 */
export const applyExtend = (session: Session, seconds: number, nowMs: number): DeadlinePatch => {
  if (!Number.isInteger(seconds) || seconds <= 0) {
    throw new ValidationError('seconds', 'seconds must be a positive whole number');
  }
  const wanted = nowMs + seconds * 1000;
  const current = session.extendedUntil ? ms(session.extendedUntil) : Number.NEGATIVE_INFINITY;
  const extendedUntilMs = Math.min(Math.max(wanted, current), fixedDeadlineMs(session));
  return withDeadline(session, { extendedUntil: iso(extendedUntilMs) });
};

/**
 * For display and metrics: disconnected after a connect dropped to zero; else active by the age of
 * the last interaction, busy while busy reports keep the session alive, else idle or background by
 * that age.
 */
export const activityLevel = (
  s: Pick<Session, 'openConnections' | 'disconnectedAt' | 'lastActivityAt' | 'timeouts'> & Partial<Pick<Session, 'lastBusyAt' | 'busySince'>>,
  nowMs: number,
): ActivityLevel => {
  if (openConnectionCount(s.openConnections) === 0 && s.disconnectedAt !== undefined) return 'disconnected';
  const ageMs = nowMs - ms(s.lastActivityAt);
  if (ageMs < s.timeouts.activeWithinSeconds * 1000) return 'active';
  if (keptBusy(s, nowMs)) return 'busy';
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
