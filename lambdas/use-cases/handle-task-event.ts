// ECS reported a task state change (at least once, in any order).
// Primary course: find the session the task was started for; RUNNING moves `starting → running`
// (startedAt); STOPPED moves `stopping → stopped` (keeping the reason chosen when stopping),
// `running → stopped` (task_exited: it ended on its own) or `starting → stopped|failed`, then
// publishes "Session Ended". A STOPPED that comes while the record still says `starting` (its
// RUNNING event late or lost) is judged by what the event says of the task: one that ran (it has a
// `startedAt`, or its container exited) ended on its own, `task_exited`; only one that never ran
// failed to start, `start_failed`. Every write is conditional on the status and records the event's
// `version`, so duplicates, and events older than one already applied, change nothing.
import { changesSession } from '../../contract/ecs-tasks';
import { applyStarted } from '../domain/deadline-policy';
import { UnavailableError } from '../domain/errors';
import { type Session, iso } from '../domain/session';
import { type RecordEndedDeps, type RecordEndedOptions, recordEnded } from './end-session';

export interface TaskEventInput {
  taskArn: string;
  /** ECS lastStatus; only RUNNING and STOPPED change a session. */
  lastStatus: string;
  /** From the task's tags; absent for tasks we cannot attribute. */
  sessionId?: string;
  stoppedReason?: string;
  /** ECS `detail.stopCode` (TaskFailedToStart, EssentialContainerExited, UserInitiated, ...). */
  stopCode?: string;
  /** ECS `detail.startedAt` (ISO): when the task reached RUNNING; absent if it never did. */
  startedAt?: string;
  /** ECS `detail.version`: grows with every change of the task, so it orders the task's events. */
  eventVersion?: number;
}

export type TaskEventOutcome = 'unknown' | 'running' | 'stopped' | 'failed' | 'noop';

const MAX_ATTEMPTS = 5;

/** The stop code ECS gives a task that never started (image pull, network interface, resources). */
const FAILED_TO_START = 'TaskFailedToStart';
/** How ECS (and the local runner) says an essential container ended: so it had started. */
const CONTAINER_EXITED = /^Essential container in task exited/;

/** Whether the stopped task ever ran, by what its STOPPED event says. */
export const taskRan = (input: Pick<TaskEventInput, 'startedAt' | 'stopCode' | 'stoppedReason'>): boolean =>
  input.startedAt !== undefined || (input.stopCode !== FAILED_TO_START && CONTAINER_EXITED.test(input.stoppedReason ?? ''));

export const handleTaskEvent = async (deps: RecordEndedDeps, input: TaskEventInput): Promise<{ outcome: TaskEventOutcome }> => {
  if (!changesSession(input.lastStatus)) return { outcome: 'noop' };
  if (input.sessionId === undefined) {
    deps.log.info('task event without a session id', { taskArn: input.taskArn, lastStatus: input.lastStatus });
    return { outcome: 'unknown' };
  }
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const session = await deps.store.get(input.sessionId);
    // No taskArn yet is still ours: the event can beat create's write of the ARN.
    if (session === undefined || (session.taskArn !== undefined && session.taskArn !== input.taskArn)) {
      deps.log.info('task event for a task no session owns', { taskArn: input.taskArn, sessionId: input.sessionId });
      return { outcome: 'unknown' };
    }
    if (isStale(session, input)) {
      deps.log.debug('task event older than one already applied', { sessionId: session.id, eventVersion: input.eventVersion, applied: session.taskEventVersion });
      return { outcome: 'noop' };
    }
    const outcome = input.lastStatus === 'RUNNING' ? await onRunning(deps, session, input) : await onStopped(deps, session, input);
    if (outcome !== 'retry') return { outcome };
  }
  throw new UnavailableError(`session ${input.sessionId} changed too often to apply a task event; it will be redelivered`);
};

const isStale = (session: Session, input: TaskEventInput): boolean =>
  input.eventVersion !== undefined && session.taskEventVersion !== undefined && input.eventVersion <= session.taskEventVersion;

const onRunning = async (deps: RecordEndedDeps, session: Session, input: TaskEventInput): Promise<TaskEventOutcome | 'retry'> => {
  if (session.status !== 'starting') {
    deps.log.debug('RUNNING event changes nothing', { sessionId: session.id, status: session.status, eventVersion: input.eventVersion });
    return 'noop';
  }
  const result = await deps.store.update(
    session.id,
    {
      status: 'running',
      ...applyStarted(session, input.startedAt ?? iso(deps.clock.now())),
      taskArn: input.taskArn,
      ...(input.eventVersion !== undefined && { taskEventVersion: input.eventVersion }),
    },
    { statusIn: ['starting'] },
  );
  if (!result.ok) return 'retry';
  deps.log.info('session running', { sessionId: session.id });
  return 'running';
};

const onStopped = async (deps: RecordEndedDeps, session: Session, input: TaskEventInput): Promise<TaskEventOutcome | 'retry'> => {
  const ending = endingFor(session, input);
  if (ending === undefined) {
    deps.log.debug('STOPPED event changes nothing', { sessionId: session.id, status: session.status, eventVersion: input.eventVersion });
    return 'noop';
  }
  if (ending.endReason !== undefined) {
    deps.log.info('task stopped on its own', { sessionId: session.id, status: session.status, stoppedReason: input.stoppedReason, stopCode: input.stopCode });
  }
  const result = await recordEnded(deps, session, {
    ...ending,
    taskArn: input.taskArn,
    // The RUNNING event may not have come (yet): the STOPPED one says when the task started.
    ...(session.startedAt === undefined && input.startedAt !== undefined && { startedAt: input.startedAt }),
    ...(input.eventVersion !== undefined && { taskEventVersion: input.eventVersion }),
  });
  return result.ok ? ending.status : 'retry';
};

const endingFor = (session: Session, input: TaskEventInput): Pick<RecordEndedOptions, 'from' | 'status' | 'endReason'> | undefined => {
  switch (session.status) {
    case 'stopping':
      return { from: ['stopping'], status: 'stopped' };
    case 'running':
      return { from: ['running'], status: 'stopped', endReason: 'task_exited' };
    case 'starting':
      // Its RUNNING event is late or lost if the task ran; only a task that never ran failed to start.
      return taskRan(input)
        ? { from: ['starting'], status: 'stopped', endReason: 'task_exited' }
        : { from: ['starting'], status: 'failed', endReason: 'start_failed' };
    default:
      return undefined;
  }
};
