// Start a created session's task (README "Starting at the rate ECS allows").
// Primary course: the starter takes a StartRequest off the start queue, re-reads the session and,
// if it is still `starting` with no task, runs the task (SESSION_ID, SESSION_ACTIVITY_TOKEN,
// SESSION_API_URL) and stores its ARN. RunTask is idempotent through its clientToken (the session
// id), so a retry or a duplicate delivery never starts a second task.
// Alternatives: a session no longer `starting` (a DELETE while queued) or already holding a task is
// left alone: no task is started. A throttled or capacity-starved RunTask (UnavailableError) goes
// back on the queue after an exponential backoff with full jitter; a permanent failure (no task
// definition, a bad one) ends the session `start_failed` at once; a start not done within
// startTimeoutSeconds of queuedAt ends it `start_failed` too. Ending gives the owner slot back and
// publishes "Session Ended" (recordEnded).
import { UnavailableError } from '../domain/errors';
import { type EndReason, type Session, ms } from '../domain/session';
import { workspaceIdOf } from '../domain/workspace';
import { MAX_START_DELAY_SECONDS, type StartQueue, type StartRequest } from '../ports/start-queue';
import { type TaskWorkspace } from '../ports/task-runner';
import { type UseCaseDeps } from './use-case-deps';
import { type EndSessionDeps, type RecordEndedDeps, recordEnded, stopReasonText } from './end-session';

export type StartOutcome = 'started' | 'not_starting' | 'already_started' | 'retry' | 'timed_out' | 'failed';

export type StartSessionDeps = EndSessionDeps & Pick<UseCaseDeps, 'tasks' | 'settings'> & { startQueue: StartQueue; random?: () => number };

/** First retry waits about this long; each further one twice as long (full jitter), up to the cap. */
export const START_BACKOFF_BASE_SECONDS = 1;
export const START_BACKOFF_CAP_SECONDS = 60;

/** Full jitter: uniform in [0, min(cap, base·2^(attempt-1))], at least one second (SQS delays are whole seconds). */
export const startBackoffSeconds = (attempt: number, random: () => number = Math.random): number => {
  const ceiling = Math.min(START_BACKOFF_CAP_SECONDS, START_BACKOFF_BASE_SECONDS * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.ceil(random() * ceiling));
};

/** When a queued start gives up: startTimeoutSeconds after it was queued (created, for records without queuedAt). */
export const startDeadlineMs = (session: Pick<Session, 'queuedAt' | 'createdAt'>, startTimeoutSeconds: number): number =>
  ms(session.queuedAt ?? session.createdAt) + startTimeoutSeconds * 1000;

export const startSession = async (deps: StartSessionDeps, request: StartRequest): Promise<{ outcome: StartOutcome; session?: Session }> => {
  const session = await deps.store.get(request.sessionId);
  if (session === undefined || session.status !== 'starting') {
    deps.log.info('start dropped: the session is not starting', { sessionId: request.sessionId, status: session?.status });
    return { outcome: 'not_starting', ...(session !== undefined && { session }) };
  }
  if (session.taskArn !== undefined) return { outcome: 'already_started', session };

  const now = deps.clock.now();
  const deadline = startDeadlineMs(session, deps.settings.startTimeoutSeconds);
  if (now >= deadline) {
    deps.metrics.count('StartTimeouts');
    await failStart(deps, session, 'timeout', new Error(`not started within ${deps.settings.startTimeoutSeconds} s`));
    return { outcome: 'timed_out' };
  }

  try {
    return { outcome: 'started', session: await runTask(deps, session, request.activityToken) };
  } catch (error) {
    if (!(error instanceof StartError)) throw error;
    if (!(error.cause instanceof UnavailableError) || error.step !== 'run_task') {
      await failStart(deps, session, error.step, error.cause);
      return { outcome: 'failed' };
    }
    // Throttled or no capacity now: try again later, but not past the start timeout (the try at
    // the deadline ends the session).
    const backoff = startBackoffSeconds(request.attempt, deps.random);
    const delaySeconds = Math.min(backoff, MAX_START_DELAY_SECONDS, Math.max(1, Math.ceil((deadline - now) / 1000)));
    deps.metrics.count('StartRetries');
    deps.log.info('start throttled; queued again', { sessionId: session.id, attempt: request.attempt, delaySeconds, error: String(error.cause) });
    await deps.startQueue.enqueue({ ...request, attempt: request.attempt + 1 }, delaySeconds);
    return { outcome: 'retry' };
  }
};

/** A step of the start failed; `cause` is what it threw. The record is not yet marked failed. */
export class StartError extends Error {
  constructor(
    readonly step: 'run_task' | 'store_task',
    override readonly cause: unknown,
  ) {
    super(`session start failed at ${step}: ${String(cause)}`);
    this.name = 'StartError';
  }
}

/**
 * Runs the task and stores its ARN. Throws StartError when RunTask fails (nothing to clean up) or
 * when storing the ARN fails (the task is stopped first: never leave a task that nothing tracks).
 */
export const runTask = async (deps: EndSessionDeps & Pick<UseCaseDeps, 'tasks' | 'settings'>, session: Session, activityToken: string): Promise<Session> => {
  let taskArn: string;
  try {
    const workspace = await taskWorkspaceOf(deps, session);
    ({ taskArn } = await deps.tasks.start({
      sessionId: session.id,
      ownerId: session.ownerId,
      profile: session.profile,
      environment: { SESSION_ID: session.id, SESSION_API_URL: deps.settings.apiUrl },
      // Apart from the environment: a runner that must keep it off control-plane records (ECS) never
      // sends it (README "How a task authenticates").
      activityToken,
      ...(workspace !== undefined && { workspace }),
    }));
  } catch (error) {
    // If RunTask did start a task before failing, a retry with the same clientToken finds it; if
    // the session ends instead, the sweep stops it as an orphan.
    throw new StartError('run_task', error);
  }

  let stored;
  try {
    stored = await deps.store.update(session.id, { taskArn }, { statusIn: ['starting'] });
  } catch (error) {
    // We cannot tell whether the ARN was stored: never leave a task running that nothing tracks.
    await stopQuietly(deps, session.id, taskArn);
    throw new StartError('store_task', error);
  }
  if (stored.ok) return stored.session;
  return settleChangedDuringStart(deps, session, stored.current, taskArn);
};

/** The session's workspace as its task gets it: on AWS from its latest snapshot, which only the workspace record names. */
const taskWorkspaceOf = async (deps: Pick<UseCaseDeps, 'workspaces'>, session: Session): Promise<TaskWorkspace | undefined> => {
  if (session.workspace === undefined) return undefined;
  const snapshotId = (await deps.workspaces?.store.get(session))?.snapshotId;
  return {
    id: workspaceIdOf(session.ownerId, session.profile),
    mountPath: session.workspace.mountPath,
    sizeGiB: session.workspace.sizeGiB,
    ...(snapshotId !== undefined && { snapshotId }),
  };
};

/**
 * The session changed while its task was starting. Either the task's own RUNNING/STOPPED event got
 * there first (the record already names our task: nothing to do), or the session was terminated
 * before it knew a task (the terminator had nothing to stop, so we stop it and finish the end).
 */
const settleChangedDuringStart = async (deps: EndSessionDeps, session: Session, current: Session | undefined, taskArn: string): Promise<Session> => {
  if (current?.taskArn === taskArn) return current;
  deps.log.info('session ended while its task was starting; stopping the task', { sessionId: session.id, status: current?.status });
  await stopQuietly(deps, session.id, taskArn, current?.endReason);
  if (current === undefined) throw new Error(`session ${session.id} disappeared while starting`);
  if (current.status !== 'stopping') return current;
  const ended = await recordEnded(deps, current, { from: ['stopping'], status: 'stopped', taskArn });
  return ended.ok ? ended.session : (ended.current ?? current);
};

const stopQuietly = async (deps: Pick<EndSessionDeps, 'tasks' | 'log'>, sessionId: string, taskArn: string, reason: EndReason = 'start_failed'): Promise<void> => {
  try {
    await deps.tasks.stop(taskArn, stopReasonText(reason));
  } catch (error) {
    // The sweep stops it as an orphan (its session has ended) once the orphan grace has passed.
    deps.log.error('could not stop the task of a session that did not start', { sessionId, taskArn, error: String(error) });
  }
};

/** Marks the session failed/start_failed. Best-effort: a session stuck in `starting` is repaired by the sweep. */
export const failStart = async (deps: RecordEndedDeps, session: Session, step: string, error: unknown): Promise<void> => {
  deps.metrics.count('StartFailures');
  deps.log.error('session start failed', { sessionId: session.id, step, error: String(error) });
  try {
    await recordEnded(deps, session, { from: ['starting'], status: 'failed', endReason: 'start_failed' });
  } catch (markError) {
    deps.log.error('could not mark the session failed; the sweep will', { sessionId: session.id, error: String(markError) });
  }
};
