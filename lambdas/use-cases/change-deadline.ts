// Heartbeats and extends change what the deadline depends on. Each is one version-conditioned
// write; when another write got there first, the change is re-applied to the record as it now is
// (bounded). No Scheduler call unless the change moves the deadline earlier (see arm-schedule).
import { type DeadlinePatch } from '../domain/deadline-policy';
import { ConflictError, NotFoundError, UnavailableError } from '../domain/errors';
import { type Session } from '../domain/session';
import { ACCEPTS_ACTIVITY } from '../domain/state-machine';
import { type SessionPatch } from '../ports/session-store';
import { type ArmDeps, armIfDeadlineShortened } from './arm-schedule';
import { type UseCaseDeps } from './use-case-deps';

const MAX_ATTEMPTS = 5;

/** A deadline change, and what a report's `usage` changes of the resource warnings (resource-warnings.ts). */
export type ActivityPatch = DeadlinePatch & Pick<SessionPatch, 'resourceWarnings'>;

/** The version-conditioned write, its log line on a lost race, and the arm of a shortened deadline. */
export type ChangeDeadlineDeps = Pick<UseCaseDeps, 'store' | 'log'> & ArmDeps;

export const assertAcceptsActivity = (session: Session): void => {
  if (!ACCEPTS_ACTIVITY.includes(session.status)) {
    throw new ConflictError(session.status === 'stopping' ? 'the session is stopping' : 'the session has ended');
  }
};

/**
 * Applies `change` to the session and writes the result. `change` returns `undefined` when no write
 * is needed; the session is then returned as it is (`written: false`).
 */
export const changeDeadline = async (
  deps: ChangeDeadlineDeps,
  session: Session,
  change: (current: Session) => ActivityPatch | undefined,
): Promise<{ session: Session; written: boolean }> => {
  let current = session;
  let armedSeq = 0;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    assertAcceptsActivity(current);
    const patch = change(current);
    if (patch === undefined) return { session: current, written: false };
    const armed = await armIfDeadlineShortened(deps, current, patch, armedSeq);
    if (armed !== undefined) armedSeq = armed.scheduleSeq;
    const result = await deps.store.update(
      current.id,
      { ...patch, ...(armed !== undefined && { scheduleName: armed.scheduleName, scheduleSeq: armed.scheduleSeq }) },
      { version: current.version, statusIn: ACCEPTS_ACTIVITY },
    );
    if (result.ok) return { session: result.session, written: true };
    if (result.current === undefined) throw new NotFoundError();
    deps.log.debug('session changed under a deadline write; re-applying', { sessionId: current.id, attempt });
    current = result.current;
  }
  throw new UnavailableError('the session is changing too often; try again');
};
