// Record activity from a user's client (owner auth) or from the session's own task (token auth).
// Primary course: load the session, check the caller, apply the deadline policy; when the deadline
// inputs changed, write them in one conditional update. No Scheduler call for a deadline that moves
// later (the armed schedule is re-armed lazily when it fires, see expire-session); only a disconnect
// that brings the deadline earlier arms one schedule. Pings and batched interactions write nothing.
import { type HeartbeatKind, applyHeartbeat } from '../domain/deadline-policy';
import { NotFoundError } from '../domain/errors';
import { type Session } from '../domain/session';
import { tokenMatches } from './activity-token';
import { type ChangeDeadlineDeps, changeDeadline } from './change-deadline';

export type HeartbeatAuth = { type: 'owner'; ownerId: string } | { type: 'token'; token: string };

export interface RecordHeartbeatInput {
  id: string;
  kind: HeartbeatKind;
  auth: HeartbeatAuth;
}

export const recordHeartbeat = async (deps: ChangeDeadlineDeps, input: RecordHeartbeatInput): Promise<Session> => {
  const session = await deps.store.get(input.id);
  // A wrong token or another owner's session looks exactly like a missing one.
  if (session === undefined || !authorized(session, input.auth)) throw new NotFoundError();
  const result = await changeDeadline(deps, session, (current) => applyHeartbeat(current, input.kind, deps.clock.now()));
  deps.metrics.count(result.written ? 'HeartbeatWrites' : 'HeartbeatsSkipped');
  return result.session;
};

const authorized = (session: Session, auth: HeartbeatAuth): boolean =>
  auth.type === 'owner' ? auth.ownerId === session.ownerId : tokenMatches(auth.token, session.activityTokenHash);
