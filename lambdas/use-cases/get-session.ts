// Read one session.
// Primary course: load it and return it if the caller may see it (domain/caller).
import { type Caller, mayAccess } from '../domain/caller';
import { NotFoundError } from '../domain/errors';
import { type Session } from '../domain/session';
import { type UseCaseDeps } from './use-case-deps';

export const getSession = async (deps: Pick<UseCaseDeps, 'store'>, input: { id: string; caller: Caller }): Promise<Session> => {
  const session = await deps.store.get(input.id);
  if (session === undefined || !mayAccess(input.caller, session)) throw new NotFoundError();
  return session;
};
