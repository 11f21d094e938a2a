// ECS reported a task state change (at least once, in any order).
// Primary course: find the session the task was started for; RUNNING moves `starting → running`
// (startedAt); STOPPED moves `stopping → stopped` (keeping the reason chosen when stopping),
// `running → stopped` (task_exited: it ended on its own) or `starting → failed` (start_failed: it
// died before RUNNING and nobody asked it to stop), then publishes "Session Ended". Every write is
// conditional on the status, so duplicates and late events are no-ops.
import { changesSession } from '../../contract/ecs-tasks';
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
  /** ECS `detail.version`; the status conditions make ordering safe, so it is only logged. */
  eventVersion?: number;
}

export type TaskEventOutcome = 'unknown' | 'running' | 'stopped' | 'failed' | 'noop';

const MAX_ATTEMPTS = 5;

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
    const outcome = input.lastStatus === 'RUNNING' ? await onRunning(deps, session, input) : await onStopped(deps, session, input);
    if (outcome !== 'retry') return { outcome };
  }
  throw new UnavailableError(`session ${input.sessionId} changed too often to apply a task event; it will be redelivered`);
};

const onRunning = async (deps: RecordEndedDeps, session: Session, input: TaskEventInput): Promise<TaskEventOutcome | 'retry'> => {
  if (session.status !== 'starting') {
    deps.log.debug('RUNNING event changes nothing', { sessionId: session.id, status: session.status, eventVersion: input.eventVersion });
    return 'noop';
  }
  const result = await deps.store.update(
    session.id,
    { status: 'running', startedAt: iso(deps.clock.now()), taskArn: input.taskArn },
    { statusIn: ['starting'] },
  );
  if (!result.ok) return 'retry';
  deps.log.info('session running', { sessionId: session.id });
  return 'running';
};

const onStopped = async (deps: RecordEndedDeps, session: Session, input: TaskEventInput): Promise<TaskEventOutcome | 'retry'> => {
  const ending = endingFor(session);
  if (ending === undefined) {
    deps.log.debug('STOPPED event changes nothing', { sessionId: session.id, status: session.status, eventVersion: input.eventVersion });
    return 'noop';
  }
  if (ending.endReason !== undefined) {
    deps.log.info('task stopped on its own', { sessionId: session.id, status: session.status, stoppedReason: input.stoppedReason });
  }
  const result = await recordEnded(deps, session, { ...ending, taskArn: input.taskArn });
  return result.ok ? ending.status : 'retry';
};

const endingFor = (session: Session): Omit<RecordEndedOptions, 'taskArn'> | undefined => {
  switch (session.status) {
    case 'stopping':
      return { from: ['stopping'], status: 'stopped' };
    case 'running':
      return { from: ['running'], status: 'stopped', endReason: 'task_exited' };
    case 'starting':
      return { from: ['starting'], status: 'failed', endReason: 'start_failed' };
    default:
      return undefined;
  }
};
