// Ending a session is two conditional writes around one StopTask. Whoever wins
// `starting|running → stopping` (endReason and stopRequestedAt in that same write) sends the
// StopTask; whoever wins `→ stopped|failed` is the only publisher of "Session Ended". Losers read
// the winner's result and do nothing more, with one exception (README "Why three layers"): a stop
// whose StopTask failed, or was never confirmed, is sent again by whoever comes next (a retried
// fire, another DELETE, the sweep). StopTask is idempotent, so a repeat is harmless.
import { type EndReason, type Session, type SessionStatus, iso, ms } from '../domain/session';
import { type Actor, sourcesOf } from '../domain/state-machine';
import { UnavailableError } from '../domain/errors';
import { type SessionPatch, type WriteResult } from '../ports/session-store';
import { type ManagedTasks } from '../ports/task-runner';
import { disarmQuietly } from './arm-schedule';
import { countEndedQuietly } from './ended-counts';
import { type UseCaseDeps } from './use-case-deps';
import { releaseOwnerSlotQuietly } from './owner-slots';
import { giveBackWorkspaceQuietly } from './workspace-use';
import { publishEvents } from './publish-events';

/** What recording an end needs: the write, the slot give-back, the event and metric, the disarm. */
export type RecordEndedDeps = Pick<UseCaseDeps, 'store' | 'ownerSlots' | 'scheduler' | 'events' | 'clock' | 'log' | 'metrics' | 'workspaces'>;

/** Ending a session: recording the end, and before that stopping its task (which it never starts). */
export type EndSessionDeps = RecordEndedDeps & { tasks: ManagedTasks };

/** Retries when only bookkeeping changed under us; a status change always ends the attempt. */
const MAX_ATTEMPTS = 5;

/** What ECS shows as the task's stopped reason (it allows 255 characters). */
export const stopReasonText = (reason: EndReason): string => `session-expiry: ${reason}`;

export interface BeginStopOptions {
  reason: EndReason;
  actor: Actor;
  /** User calls: the write also requires this owner. */
  ownerId?: string;
  /**
   * Require the exact version that was read (the deadline path): a heartbeat landing between our
   * read and our write moved the deadline, and the session must not be stopped early.
   */
  exactVersion?: boolean;
  /** Disarm the schedule the record names; false when that schedule is the one firing now (it deletes itself). */
  disarm?: boolean;
}

export type BeginStopResult = { won: true; session: Session } | { won: false; current: Session | undefined };

/**
 * How long a stop may stay unconfirmed, with no failure recorded, before others send it again:
 * longer than a StopTask call takes with the SDK's retries, so the winner's call in flight is not
 * doubled, while a winner that died before recording anything (a timeout) is covered after it.
 */
export const STOP_IN_FLIGHT_MS = 60_000;

/**
 * A `stopping` session whose StopTask is not known to have reached ECS: it failed (stopFailedAt),
 * or nothing was recorded for longer than a StopTask call can take.
 */
export const stopUnconfirmed = (session: Session, now: number): session is Session & { taskArn: string } =>
  session.status === 'stopping' &&
  session.taskArn !== undefined &&
  session.stopConfirmedAt === undefined &&
  (session.stopFailedAt !== undefined || session.stopRequestedAt === undefined || now - ms(session.stopRequestedAt) > STOP_IN_FLIGHT_MS);

/**
 * Sends the StopTask of a `stopping` session and records the outcome on the record: confirmed, or
 * failed, so that whoever comes next sends it again (see stopUnconfirmed). A failure is rethrown,
 * which makes the caller's own retry (the fire's, the client's) one of those that send it again.
 * Returns the record as it is after.
 */
export const sendStop = async (deps: EndSessionDeps, session: Session & { taskArn: string }, reason: EndReason): Promise<Session> => {
  try {
    await deps.tasks.stop(session.taskArn, stopReasonText(reason));
  } catch (error) {
    deps.log.warn('StopTask failed; the next fire, DELETE or sweep sends it again', { sessionId: session.id, error: String(error) });
    await recordStopOutcome(deps, session, { stopFailedAt: iso(deps.clock.now()) });
    throw error;
  }
  return recordStopOutcome(deps, session, { stopConfirmedAt: iso(deps.clock.now()) });
};

/** Best effort: a lost write only means the stop may be sent once more (stopUnconfirmed). */
const recordStopOutcome = async (deps: EndSessionDeps, session: Session, patch: SessionPatch): Promise<Session> => {
  try {
    // Only while stopping: the STOPPED event may have ended the session meanwhile.
    const result = await deps.store.update(session.id, patch, { statusIn: ['stopping'] });
    return result.ok ? result.session : (result.current ?? session);
  } catch (error) {
    deps.log.warn('could not record how StopTask went', { sessionId: session.id, error: String(error) });
    return session;
  }
};

/**
 * Sends the stop of a `stopping` session again when it is unconfirmed; undefined when it needed
 * nothing. Throws (and records the failure) as sendStop does.
 */
export const resendUnconfirmedStop = async (deps: EndSessionDeps, session: Session): Promise<Session | undefined> => {
  if (!stopUnconfirmed(session, deps.clock.now())) return undefined;
  deps.log.info('sending the stop again: it was not confirmed', { sessionId: session.id, stopFailedAt: session.stopFailedAt });
  return sendStop(deps, session, session.endReason ?? 'task_exited');
};

/**
 * Wins `starting|running → stopping`, then stops the task. The write clears `scheduleName`, so any
 * later fire is stale. If StopTask fails the failure is recorded and the error propagates; the
 * session stays `stopping` until the stop is sent again (resendUnconfirmedStop).
 */
export const beginStop = async (deps: EndSessionDeps, snapshot: Session, opts: BeginStopOptions): Promise<BeginStopResult> => {
  const sources = sourcesOf('stopping', opts.actor);
  let seen = snapshot;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const result = await deps.store.update(
      seen.id,
      { status: 'stopping', endReason: opts.reason, stopRequestedAt: iso(deps.clock.now()), scheduleName: null },
      {
        statusIn: sources,
        ...(opts.ownerId !== undefined && { ownerId: opts.ownerId }),
        ...(opts.exactVersion ? { version: seen.version } : { scheduleName: seen.scheduleName ?? null }),
      },
    );
    if (result.ok) return { won: true, session: await stopWon(deps, seen, result.session, opts) };
    const current = result.current;
    const stillOurs = current !== undefined && sources.includes(current.status) && (opts.ownerId === undefined || current.ownerId === opts.ownerId);
    if (stillOurs && !opts.exactVersion) {
      // Only the schedule changed (a re-arm) since we read: retry on the fresh record so that the
      // schedule we disarm is the one it names.
      seen = current;
      continue;
    }
    deps.log.info('not stopping: the session changed first', { sessionId: seen.id, status: current?.status, reason: opts.reason });
    return { won: false, current };
  }
  throw new UnavailableError('the session changed too often to stop it; try again');
};

const stopWon = async (deps: EndSessionDeps, before: Session, stopping: Session, opts: BeginStopOptions): Promise<Session> => {
  let after: Session;
  if (stopping.taskArn === undefined) {
    // The session never got a task (RunTask not yet answered, or never called): nothing to stop.
    // A create still in flight finds the session ended and stops its task itself.
    const ended = await recordEnded(deps, stopping, { from: ['stopping'], status: 'stopped' });
    after = ended.ok ? ended.session : (ended.current ?? stopping);
  } else {
    after = await sendStop(deps, { ...stopping, taskArn: stopping.taskArn }, opts.reason);
  }
  if (opts.disarm !== false) await disarmQuietly(deps, before.id, before.scheduleName);
  return after;
};

export interface RecordEndedOptions {
  from: readonly SessionStatus[];
  status: 'stopped' | 'failed';
  /** Omitted: keep the reason chosen when the stop was requested. */
  endReason?: EndReason;
  /** Record the task too (a task event that arrived before create stored the ARN). */
  taskArn?: string;
  /** When the task reached RUNNING, as its STOPPED event says (its RUNNING event may never have come). */
  startedAt?: string;
  /** The ECS version of the task event this end comes from (handle-task-event.ts). */
  taskEventVersion?: number;
}

/**
 * Records that a session's task is gone: one conditional write to `stopped`/`failed` (endedAt, which
 * starts the retention TTL), then a best-effort release of its owner slot and workspace, "Session Ended", the
 * SessionsEnded metric and count (GET /stats) and a best-effort disarm of the schedule the record still named.
 */
export const recordEnded = async (deps: RecordEndedDeps, snapshot: Session, opts: RecordEndedOptions): Promise<WriteResult> => {
  let seen = snapshot;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const patch: SessionPatch = {
      status: opts.status,
      endedAt: iso(deps.clock.now()),
      scheduleName: null,
      ...(opts.endReason !== undefined && { endReason: opts.endReason }),
      ...(opts.taskArn !== undefined && { taskArn: opts.taskArn }),
      ...(opts.startedAt !== undefined && { startedAt: opts.startedAt }),
      ...(opts.taskEventVersion !== undefined && { taskEventVersion: opts.taskEventVersion }),
    };
    const result = await deps.store.update(seen.id, patch, { statusIn: opts.from, scheduleName: seen.scheduleName ?? null });
    if (result.ok) {
      // Only the winner of this write releases; a lost release is taken over by the next create at the limit.
      await releaseOwnerSlotQuietly(deps, result.session);
      await giveBackWorkspaceQuietly(deps, result.session);
      await announceEnded(deps, result.session);
      await disarmQuietly(deps, seen.id, seen.scheduleName);
      return result;
    }
    if (result.current !== undefined && opts.from.includes(result.current.status)) {
      seen = result.current; // only the schedule changed; it is the one to disarm
      continue;
    }
    deps.log.info('not recording the end: the session changed first', { sessionId: seen.id, status: result.current?.status });
    return result;
  }
  throw new UnavailableError('the session changed too often to record its end; try again');
};

const announceEnded = async (deps: RecordEndedDeps, ended: Session): Promise<void> => {
  const reason: EndReason = ended.endReason ?? (ended.status === 'failed' ? 'start_failed' : 'task_exited');
  deps.metrics.count('SessionsEnded', 1, { Reason: reason });
  await countEndedQuietly(deps, ended, reason);
  deps.log.info('session ended', { sessionId: ended.id, status: ended.status, reason });
  await publishEvents(deps, [
    { type: 'Session Ended', detail: { sessionId: ended.id, ownerId: ended.ownerId, reason, endedAt: ended.endedAt ?? iso(deps.clock.now()) } },
  ]);
};
