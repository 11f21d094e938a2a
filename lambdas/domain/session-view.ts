// The session as the API shows it (contract/wire.ts): every field of the record plus the activity
// level, without bookkeeping (version, hashes, task ARN, schedule name), which must never leak.
// Connection ids are the clients' own names, so only their number is shown.
import { type SessionView } from '../../contract/wire';
import { openConnectionCount } from './connections';
import { activityLevel } from './deadline-policy';
import { type Session } from './session';

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
    ...shown
  } = session;
  // A field the record gains is neither dropped above nor on the wire: this does not compile until
  // it is one or the other (a spread is exempt from excess-property checks).
  const view: SessionView & Record<Exclude<keyof typeof shown, keyof SessionView>, never> = {
    ...shown,
    connections: openConnectionCount(openConnections),
    activityLevel: activityLevel(session, nowMs),
  };
  return view;
};
