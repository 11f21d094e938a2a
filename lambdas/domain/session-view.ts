// The session as the API shows it (contract/wire.ts): every field of the record plus the activity
// level, without bookkeeping (version, hashes, task ARN, schedule name), which must never leak.
// Connection ids are the clients' own names, so only their number is shown (and, for the session
// agent's, whether one is open).
import { type ExpiryWarning, type SessionView } from '../../contract/wire';
import { openConnectionCount } from './connections';
import { activityLevel } from './deadline-policy';
import { type Session, ms } from './session';

/**
 * The warning a client is shown (README "HTTP API"): once the answer is inside the warning lead of
 * the current deadline, while the session can still be kept (starting or running). It follows the
 * deadline, not the "Session Expiring" event: a client sees it even if the event is late.
 */
export const expiryWarning = (
  s: Pick<Session, 'id' | 'status' | 'expiresAt' | 'expiryReason' | 'timeouts'>,
  nowMs: number,
): ExpiryWarning | undefined => {
  const lead = s.timeouts.warnBeforeSeconds;
  if (lead === undefined || (s.status !== 'starting' && s.status !== 'running')) return undefined;
  const leftMs = ms(s.expiresAt) - nowMs;
  if (leftMs > lead * 1000) return undefined;
  return {
    at: s.expiresAt,
    reason: s.expiryReason,
    secondsLeft: Math.max(Math.floor(leftMs / 1000), 0),
    extendRoute: `POST /sessions/${s.id}/extend`,
  };
};

export const toSessionView = (session: Session, nowMs: number): SessionView => {
  // Listing what is dropped keeps new bookkeeping fields from leaking by accident in review.
  const {
    version: _version,
    activityTokenHash: _hash,
    requestHash: _requestHash,
    taskArn: _taskArn,
    scheduleName: _scheduleName,
    scheduleSeq: _scheduleSeq,
    warnedFor: _warnedFor,
    stopConfirmedAt: _stopConfirmedAt,
    stopFailedAt: _stopFailedAt,
    taskEventVersion: _taskEventVersion,
    openConnections,
    agentConnections,
    ...shown
  } = session;
  // A field the record gains is neither dropped above nor on the wire: this does not compile until
  // it is one or the other (a spread is exempt from excess-property checks).
  const warning = expiryWarning(session, nowMs);
  const view: SessionView & Record<Exclude<keyof typeof shown, keyof SessionView>, never> = {
    ...shown,
    connections: openConnectionCount(openConnections),
    agentConnected: openConnectionCount(agentConnections ?? {}) > 0,
    activityLevel: activityLevel(session, nowMs),
    ...(warning !== undefined && { warning }),
  };
  return view;
};
