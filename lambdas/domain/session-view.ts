// The session as the API shows it: every field of DESIGN.md section 2 plus the activity level,
// without bookkeeping (version, hashes, task ARN, schedule name), which must never leak.
import { type ActivityLevel, activityLevel } from './deadline-policy';
import { type Session } from './session';

export type SessionView = Omit<
  Session,
  'version' | 'activityTokenHash' | 'requestHash' | 'taskArn' | 'scheduleName' | 'scheduleSeq' | 'warnedFor'
> & { activityLevel: ActivityLevel };

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
    ...shown
  } = session;
  return { ...shown, activityLevel: activityLevel(session, nowMs) };
};
