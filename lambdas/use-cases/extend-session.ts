// Keep a session alive for a while without activity (a long computation, a meeting).
// Primary course: the owner asks for `seconds` more; the deadline policy sets extendedUntil (never
// shortening an earlier extend, never past the hard cap) in one conditional update. Zero Scheduler
// calls: the deadline only moves later, and the armed schedule re-arms lazily when it fires.
import { applyExtend } from '../domain/deadline-policy';
import { NotFoundError } from '../domain/errors';
import { type Session } from '../domain/session';
import { type ChangeDeadlineDeps, changeDeadline } from './change-deadline';

export const extendSession = async (deps: ChangeDeadlineDeps, input: { id: string; ownerId: string; seconds: number }): Promise<Session> => {
  const session = await deps.store.get(input.id);
  if (session === undefined || session.ownerId !== input.ownerId) throw new NotFoundError();
  applyExtend(session, input.seconds, deps.clock.now()); // a bad `seconds` is a ValidationError whatever the status
  const result = await changeDeadline(deps, session, (current) => applyExtend(current, input.seconds, deps.clock.now()));
  return result.session;
};
