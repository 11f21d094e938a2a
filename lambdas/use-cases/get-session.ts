// Read one session.
// Primary course: load it and return it if the caller owns it or is an admin. Another owner's
// session is reported exactly like a missing one, so ids cannot be probed.
import { NotFoundError } from '../domain/errors';
import { type Session } from '../domain/session';
import { type Caller, type UseCaseDeps } from './deps';

export const getSession = async (deps: UseCaseDeps, input: { id: string; caller: Caller }): Promise<Session> => {
  const session = await deps.store.get(input.id);
  if (session === undefined || !mayAccess(input.caller, session)) throw new NotFoundError();
  return session;
};

export const mayAccess = (caller: Caller, session: Session): boolean => caller.isAdmin || caller.ownerId === session.ownerId;
