// End a session on request of its owner or an admin.
// Primary course: win `starting|running → stopping` (endReason user_request, or admin_request for
// an admin who is not the owner) in one conditional write, stop the task, disarm the schedule.
// The task's STOPPED event then marks the session `stopped`. A session already stopping or ended,
// or one another actor began to stop first, is returned as it is with initiated=false, except a
// stop whose StopTask failed or was never confirmed: this DELETE sends it again (initiated=true).
// A failed StopTask throws either way (the API answers 503), so the client's retry sends it again.
import { type Caller, mayAccess } from '../domain/caller';
import { NotFoundError } from '../domain/errors';
import { type Session, isEnded } from '../domain/session';
import { type EndSessionDeps, beginStop, resendUnconfirmedStop } from './end-session';

export interface TerminateSessionResult {
  session: Session;
  /**
   * False when the session was already stopping or ended (the API answers 200 instead of 202);
   * true also when this call sent again a stop that had failed.
   */
  initiated: boolean;
}

export const terminateSession = async (deps: EndSessionDeps, input: { id: string; caller: Caller }): Promise<TerminateSessionResult> => {
  const session = await deps.store.get(input.id);
  if (session === undefined || !mayAccess(input.caller, session)) throw new NotFoundError();
  if (session.status === 'stopping') {
    const resent = await resendUnconfirmedStop(deps, session);
    if (resent !== undefined) return { session: resent, initiated: true };
  }
  if (session.status === 'stopping' || isEnded(session.status)) return { session, initiated: false };

  const byOwner = input.caller.ownerId === session.ownerId;
  const result = await beginStop(deps, session, {
    reason: byOwner ? 'user_request' : 'admin_request',
    actor: byOwner ? 'owner' : 'admin',
    ...(byOwner && { ownerId: input.caller.ownerId }),
  });
  if (result.won) return { session: result.session, initiated: true };
  if (result.current === undefined) throw new NotFoundError();
  return { session: result.current, initiated: false };
};
