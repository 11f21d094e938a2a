// Record activity from a user's client (owner auth) or from the session's own task (token auth).
// Primary course: load the session, check the caller, apply the deadline policy; when the deadline
// inputs changed, write them in one conditional update. No Scheduler call for a deadline that moves
// later (the armed schedule is re-armed lazily when it fires, see expire-session); only a disconnect
// that brings the deadline earlier arms one schedule. Pings, batched interactions, repeated connects
// and disconnects of ids that are not open write nothing. The answer says when the next report
// matters (README "HTTP API", activity).
import { type Heartbeat, applyHeartbeat } from '../domain/deadline-policy';
import { NotFoundError } from '../domain/errors';
import { nextReportInSeconds } from '../domain/next-report';
import { type Session } from '../domain/session';
import { tokenMatches } from './activity-token';
import { type ChangeDeadlineDeps, changeDeadline } from './change-deadline';

export type HeartbeatAuth = { type: 'owner'; ownerId: string } | { type: 'token'; token: string };

export type RecordHeartbeatInput = Heartbeat & {
  id: string;
  auth: HeartbeatAuth;
};

export interface RecordHeartbeatResult {
  session: Session;
  /** Reporting another interaction (naming the same connection) sooner than this changes nothing. */
  nextReportInSeconds: number;
}

export const recordHeartbeat = async (deps: ChangeDeadlineDeps, input: RecordHeartbeatInput): Promise<RecordHeartbeatResult> => {
  const session = await deps.store.get(input.id);
  // A wrong token or another owner's session looks exactly like a missing one.
  if (session === undefined || !authorized(session, input.auth)) throw new NotFoundError();
  let nowMs = deps.clock.now();
  const result = await changeDeadline(deps, session, (current) => {
    nowMs = deps.clock.now();
    return applyHeartbeat(current, input, nowMs);
  });
  deps.metrics.count(result.written ? 'HeartbeatWrites' : 'HeartbeatsSkipped');
  return { session: result.session, nextReportInSeconds: nextReportInSeconds(result.session, input.connectionId, nowMs) };
};

const authorized = (session: Session, auth: HeartbeatAuth): boolean =>
  auth.type === 'owner' ? auth.ownerId === session.ownerId : tokenMatches(auth.token, session.activityTokenHash);
