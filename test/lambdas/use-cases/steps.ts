// Steps the use-case tests share: a session brought to a known state through the use cases
// themselves (so the records are what production writes), plus seeding for states that take long
// to reach (overdue, stuck).
import { type Session, iso, ms } from '../../../lambdas/domain/session';
import { type CreateSessionInput, createSession } from '../../../lambdas/use-cases/create-session';
import { expireSession } from '../../../lambdas/use-cases/expire-session';
import { handleTaskEvent } from '../../../lambdas/use-cases/handle-task-event';
import { type FakeDeps } from '../../support/fakes';
import { sessionFixture } from '../../support/session-fixture';

export const OWNER = 'alice';

export interface Started {
  session: Session;
  taskArn: string;
  activityToken: string;
}

const taskArnOf = (session: Session): string => {
  if (session.taskArn === undefined) throw new Error(`session ${session.id} has no task`);
  return session.taskArn;
};

/** A session created through the use case and left `starting` (its task not yet RUNNING). */
export const startSession = async (d: FakeDeps, input: Partial<CreateSessionInput> = {}): Promise<Started> => {
  const created = await createSession(d, { ownerId: OWNER, profile: 'notebook', ...input });
  if (created.activityToken === undefined) throw new Error('expected a new session');
  return { session: created.session, taskArn: taskArnOf(created.session), activityToken: created.activityToken };
};

/** A session whose task reported RUNNING. */
export const runningSession = async (d: FakeDeps, input: Partial<CreateSessionInput> = {}): Promise<Started> => {
  const started = await startSession(d, input);
  d.tasks.setStatus(started.taskArn, 'RUNNING');
  await handleTaskEvent(d, { taskArn: started.taskArn, lastStatus: 'RUNNING', sessionId: started.session.id });
  return { ...started, session: d.store.peek(started.session.id) };
};

/** The task's STOPPED event, as ECS would send it once the task is down. */
export const taskStopped = async (d: FakeDeps, started: Pick<Started, 'taskArn' | 'session'>): Promise<void> => {
  d.tasks.finishStop(started.taskArn);
  await handleTaskEvent(d, { taskArn: started.taskArn, lastStatus: 'STOPPED', sessionId: started.session.id });
};

/** Moves the clock past the session's current deadline (by `lateMs`). */
export const passDeadline = (d: FakeDeps, sessionId: string, lateMs = 1000): number => {
  const { expiresAt } = d.store.peek(sessionId);
  d.clock.set(Date.parse(expiresAt) + lateMs);
  return d.clock.now();
};

export const isoNow = (d: FakeDeps): string => iso(d.clock.now());

/**
 * Fires the session's earliest armed schedule as Scheduler would: at its time, or now if that has
 * passed (a late fire). Returns the outcome.
 */
export const fireNext = async (d: FakeDeps, sessionId: string): Promise<string> => {
  const next = d.scheduler.armedFor(sessionId)[0];
  if (next === undefined) throw new Error(`no schedule armed for ${sessionId}`);
  d.clock.set(Math.max(d.clock.now(), next.fireAt));
  return (await expireSession(d, d.scheduler.fire(next.scheduleName))).outcome;
};

/**
 * Seeds a session record directly (states that take long to reach through the use cases), created
 * at the fake clock's now unless told otherwise. With `task`, a task that matches it is added too.
 */
export const seedSession = (d: FakeDeps, overrides: Partial<Session> = {}, task?: { lastStatus?: string; createdAt?: number }): Session => {
  const draft = sessionFixture({ ownerId: OWNER, now: d.clock.now(), ...overrides });
  if (task === undefined) return d.store.seed(draft);
  const added = d.tasks.add({
    sessionId: draft.id,
    lastStatus: task.lastStatus ?? 'RUNNING',
    createdAt: task.createdAt ?? ms(draft.createdAt),
  });
  return d.store.seed({ ...draft, taskArn: added.taskArn });
};
