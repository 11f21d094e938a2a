// Which status changes are legal and who may make them. Every store write that changes status is
// conditional on the `from` status this table allows, so races resolve to exactly one winner.
import { type SessionStatus } from './session';
import { IllegalTransitionError } from './errors';

/** Who asks for a change: the session's owner, an admin, or the system (expire, sweep, task events). */
export type Actor = 'owner' | 'admin' | 'system';

const ALL: readonly Actor[] = ['owner', 'admin', 'system'];
const SYSTEM: readonly Actor[] = ['system'];

const TRANSITIONS: Readonly<Record<SessionStatus, Partial<Record<SessionStatus, readonly Actor[]>>>> = {
  // A session may be stopped before ECS has reported RUNNING; its task may also exit before that.
  starting: { running: SYSTEM, stopping: ALL, stopped: SYSTEM, failed: SYSTEM },
  running: { stopping: ALL, stopped: SYSTEM },
  stopping: { stopped: SYSTEM },
  stopped: {},
  failed: {},
};

/**
 * Activity (heartbeats, extends) is accepted while the session has not begun to stop; so is its
 * deadline: expire and the sweep stop only sessions in these statuses.
 */
export const ACCEPTS_ACTIVITY: readonly SessionStatus[] = ['starting', 'running'];

export const canTransition = (from: SessionStatus, to: SessionStatus, actor: Actor): boolean =>
  TRANSITIONS[from][to]?.includes(actor) ?? false;

export const assertTransition = (from: SessionStatus, to: SessionStatus, actor: Actor): void => {
  if (!canTransition(from, to, actor)) throw new IllegalTransitionError(from, to, actor);
};

/** The statuses a session may be in for `actor` to move it to `to`: the condition of the store write. */
export const sourcesOf = (to: SessionStatus, actor: Actor): SessionStatus[] =>
  (Object.keys(TRANSITIONS) as SessionStatus[]).filter((from) => canTransition(from, to, actor));
