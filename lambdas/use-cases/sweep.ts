// The safety net, run on a recurring schedule and by operators (`sessionctl sweep --dry-run`).
// Primary course: look at every live session and every task we started, then repair with bounded
// concurrency: `expired` (deadline passed, schedule missed or failed: same end path as expire),
// `stuck` (`starting` too long; `stopping` whose task is gone, whose StopTask failed or was never
// confirmed, or whose task ignores the stop), `lost` (task gone while the session thinks it runs)
// and `orphans` (tasks whose session ended or vanished; only this deployment's, by its marker;
// and workspace volumes and snapshots no record names, workspace-leftovers.ts).
// One failed repair never stops the others; dryRun reports and changes nothing.
import pLimit from 'p-limit';
import { type SweepItem, type SweepReport } from '../../contract/wire';
import { type SweepKind } from '../../contract/vocabulary';
import { applyStarted } from '../domain/deadline-policy';
import { DomainError } from '../domain/errors';
import { type Session, isEnded, iso, ms } from '../domain/session';
import { ACCEPTS_ACTIVITY } from '../domain/state-machine';
import { type ManagedTask } from '../ports/task-runner';
import { type UseCaseDeps } from './use-case-deps';
import { type EndSessionDeps, beginStop, recordEnded, sendStop, stopReasonText, stopUnconfirmed } from './end-session';
import { summarizeLive } from './live-summary';
import { publishEvents } from './publish-events';
import { planWorkspaceLeftovers } from './workspace-leftovers';

/** Ending sessions (expired, stuck, lost), stopping orphans, and the grace and concurrency settings. */
export type SweepDeps = EndSessionDeps & Pick<UseCaseDeps, 'settings'>;

export interface SweepInput {
  dryRun: boolean;
  onProgress?: (done: number, total: number) => void;
}

// The kinds are shared with the CDK app (the dashboard's `Kind` lines of SweepRepairs).
export { type SweepKind };

/** What every repair reports when, on a fresh look, another actor had already done it. */
export const SKIPPED = 'skip';

/** A stop that has not finished this long after the task's stop timeout is sent again. */
const STOP_GRACE_EXTRA_SECONDS = 30;

/** Tries when a heartbeat lands between reading an overdue session and stopping it. */
const MAX_EXPIRE_ATTEMPTS = 3;

interface Repair {
  kind: SweepKind;
  item: SweepItem;
  /** Does the repair; returns the action taken (SKIPPED when nothing was left to do). */
  run: () => Promise<string>;
}

export const taskIdOf = (taskArn: string): string => taskArn.slice(taskArn.lastIndexOf('/') + 1);

/** A short, stable category for a failure: never an SDK message (it may carry ARNs or account ids). */
export const errorCategory = (error: unknown): string => {
  if (error instanceof DomainError) return error.code;
  if (error instanceof Error && error.name !== 'Error') return error.name;
  return 'error';
};

export const sweep = async (deps: SweepDeps, input: SweepInput): Promise<SweepReport> => {
  const now = deps.clock.now();
  const result: SweepReport = { dryRun: input.dryRun, expired: [], stuck: [], orphans: [], lost: [], failures: [] };
  const limit = pLimit(Math.max(1, deps.settings.sweepConcurrency));
  const fail = (item: SweepItem, error: unknown): void => {
    deps.log.warn('sweep repair failed', { ...item, error: String(error) });
    result.failures.push({ ...item, error: errorCategory(error) });
  };

  const [live, due] = await Promise.all([deps.store.listLive(), deps.store.listDue(now)]);
  // A failure to see the tasks skips only the checks that need them.
  const taskArns = live.flatMap((s) => (s.taskArn === undefined ? [] : [s.taskArn]));
  const described = await attempt(() => deps.tasks.describe(taskArns), (e) => fail({ action: 'describe_tasks' }, e));
  const managed = await attempt(() => deps.tasks.listManaged(), (e) => fail({ action: 'list_tasks' }, e));
  const tasksByArn = described === undefined ? undefined : new Map(described.map((t) => [t.taskArn, t]));

  const repairs: Repair[] = [];
  const planned = new Set<string>();
  for (const session of live) {
    const repair = planSessionRepair(deps, session, tasksByArn, now);
    if (repair === undefined) continue;
    repairs.push(repair);
    planned.add(session.id);
  }
  for (const session of due) {
    if (planned.has(session.id) || !ACCEPTS_ACTIVITY.includes(session.status) || ms(session.expiresAt) > now) continue;
    repairs.push(expireRepair(deps, session));
    planned.add(session.id);
  }
  if (managed !== undefined) {
    const liveById = new Map(live.map((s) => [s.id, s]));
    const orphans = await Promise.all(managed.map((task) => limit(() => planOrphan(deps, task, liveById, now, fail))));
    repairs.push(...orphans.filter((r): r is Repair => r !== undefined));
  }
  // Workspace volumes and snapshots no record names (README "Workspaces"): orphans too.
  const leftovers = await attempt(() => planWorkspaceLeftovers(deps), (e) => fail({ action: 'list_workspace_volumes' }, e));
  repairs.push(...(leftovers ?? []).map((repair): Repair => ({ kind: 'orphans', ...repair })));

  let done = 0;
  await Promise.all(
    repairs.map((repair) =>
      limit(async () => {
        try {
          const action = input.dryRun ? repair.item.action : await repair.run();
          result[repair.kind].push({ ...repair.item, action });
          if (!input.dryRun && action !== SKIPPED) deps.metrics.count('SweepRepairs', 1, { Kind: repair.kind });
        } catch (error) {
          fail(repair.item, error);
        }
        done += 1;
        input.onProgress?.(done, repairs.length);
      }),
    ),
  );

  if (!input.dryRun) emitGauges(deps, live, now, result.failures.length);
  deps.log.info('sweep finished', {
    dryRun: input.dryRun,
    expired: result.expired.length,
    stuck: result.stuck.length,
    orphans: result.orphans.length,
    lost: result.lost.length,
    failures: result.failures.length,
  });
  return result;
};

const attempt = async <T>(fn: () => Promise<T>, onError: (error: unknown) => void): Promise<T | undefined> => {
  try {
    return await fn();
  } catch (error) {
    onError(error);
    return undefined;
  }
};

const itemOf = (session: Session, action: string): SweepItem => ({
  sessionId: session.id,
  ...(session.taskArn !== undefined && { taskId: taskIdOf(session.taskArn) }),
  action,
});

/** The repair a live session needs, judged from the record and (when known) its task. */
const planSessionRepair = (
  deps: SweepDeps,
  session: Session,
  tasksByArn: Map<string, ManagedTask> | undefined,
  now: number,
): Repair | undefined => {
  const task = session.taskArn === undefined ? undefined : tasksByArn?.get(session.taskArn);
  const taskGone = tasksByArn !== undefined && session.taskArn !== undefined && (task === undefined || task.lastStatus === 'STOPPED');

  if (session.status === 'stopping') {
    if (session.taskArn === undefined || taskGone) {
      // The stop finished but its STOPPED event was missed (or there never was a task).
      return { kind: 'stuck', item: itemOf(session, 'mark_stopped'), run: () => markEnded(deps, session, 'stopping') };
    }
    const taskArn = session.taskArn;
    const stopAgain: Repair = {
      kind: 'stuck',
      item: itemOf(session, 'stop_again'),
      run: async () => {
        await sendStop(deps, { ...session, taskArn }, session.endReason ?? 'task_exited');
        return 'stop_again';
      },
    };
    // Its StopTask failed or never got through: send it now, whatever the task looks like.
    if (stopUnconfirmed(session, now)) return stopAgain;
    if (task === undefined) return undefined; // tasks unknown this time
    const requestedAt = session.stopRequestedAt === undefined ? Number.NEGATIVE_INFINITY : ms(session.stopRequestedAt);
    const graceMs = (session.timeouts.stopTimeoutSeconds + STOP_GRACE_EXTRA_SECONDS) * 1000;
    return now - requestedAt <= graceMs ? undefined : stopAgain;
  }

  // A task younger than the orphan grace may not be visible to DescribeTasks yet.
  const oldEnough = now - ms(session.createdAt) >= deps.settings.orphanGraceSeconds * 1000;
  if (taskGone && oldEnough) {
    return session.status === 'running'
      ? { kind: 'lost', item: itemOf(session, 'mark_stopped'), run: () => markEnded(deps, session, 'running') }
      : { kind: 'lost', item: itemOf(session, 'mark_failed'), run: () => markEnded(deps, session, 'starting') };
  }

  // A queued start is the starter's until its start timeout (README "Starting at the rate ECS
  // allows"); only one whose message was lost (dead-lettered) is left for the sweep after that.
  const queued = session.queuedAt !== undefined && session.taskArn === undefined;
  const stuckAfterMs = (deps.settings.stuckAfterSeconds + (queued ? deps.settings.startTimeoutSeconds : 0)) * 1000;
  if (session.status === 'starting' && now - ms(session.createdAt) > stuckAfterMs) {
    // Its RUNNING event was missed: repair the status rather than kill a working session.
    if (task?.lastStatus === 'RUNNING') return { kind: 'stuck', item: itemOf(session, 'mark_running'), run: () => markRunning(deps, session) };
    // Without a view of the task we cannot tell a slow start from a working one: wait for the next sweep.
    if (session.taskArn !== undefined && task === undefined) return undefined;
    return { kind: 'stuck', item: itemOf(session, 'mark_failed'), run: () => failStuckStart(deps, session) };
  }
  return undefined;
};

/** `starting|running|stopping → stopped|failed` as the task is gone; the task-event rules apply. */
const markEnded = async (deps: EndSessionDeps, session: Session, from: 'starting' | 'running' | 'stopping'): Promise<string> => {
  const result = await recordEnded(
    deps,
    session,
    from === 'stopping'
      ? { from: ['stopping'], status: 'stopped' }
      : from === 'running'
        ? { from: ['running'], status: 'stopped', endReason: 'task_exited' }
        : { from: ['starting'], status: 'failed', endReason: 'start_failed' },
  );
  return result.ok ? (from === 'starting' ? 'mark_failed' : 'mark_stopped') : SKIPPED;
};

const markRunning = async (deps: Pick<UseCaseDeps, 'store' | 'clock'>, session: Session): Promise<string> => {
  const result = await deps.store.update(session.id, { status: 'running', ...applyStarted(session, iso(deps.clock.now())) }, { statusIn: ['starting'] });
  return result.ok ? 'mark_running' : SKIPPED;
};

/** The winner of `starting → failed` stops the task, if it has one. */
const failStuckStart = async (deps: EndSessionDeps, session: Session): Promise<string> => {
  const result = await recordEnded(deps, session, { from: ['starting'], status: 'failed', endReason: 'start_failed' });
  if (!result.ok) return SKIPPED;
  if (session.taskArn !== undefined) await deps.tasks.stop(session.taskArn, stopReasonText('start_failed'));
  return 'mark_failed';
};

/** An overdue session: the same end path as expire, ignoring the schedule name. */
const expireRepair = (deps: EndSessionDeps, session: Session): Repair => ({
  kind: 'expired',
  item: itemOf(session, 'stop'),
  run: async () => {
    let current = session;
    for (let attempt = 1; attempt <= MAX_EXPIRE_ATTEMPTS; attempt++) {
      const result = await beginStop(deps, current, { reason: current.expiryReason, actor: 'system', exactVersion: true });
      if (result.won) {
        deps.metrics.observe('ExpiryLagMs', deps.clock.now() - ms(current.expiresAt), 'Milliseconds');
        return 'stop';
      }
      const fresh = result.current;
      // Gone, already ending, or a heartbeat moved the deadline: nothing left for the sweep to do.
      if (fresh === undefined || !ACCEPTS_ACTIVITY.includes(fresh.status) || ms(fresh.expiresAt) > deps.clock.now()) return SKIPPED;
      current = fresh;
    }
    return SKIPPED;
  },
});

/** A task we started whose session has ended, vanished, or runs another task; undefined if it is not an orphan. */
const planOrphan = async (
  deps: SweepDeps,
  task: ManagedTask,
  liveById: Map<string, Session>,
  now: number,
  fail: (item: SweepItem, error: unknown) => void,
): Promise<Repair | undefined> => {
  if (task.lastStatus === 'STOPPED') return undefined;
  // A young task's session may still be being written.
  if (now - task.createdAt < deps.settings.orphanGraceSeconds * 1000) return undefined;
  const item: SweepItem = { ...(task.sessionId !== undefined && { sessionId: task.sessionId }), taskId: taskIdOf(task.taskArn), action: 'stop_orphan' };
  let session: Session | undefined;
  if (task.sessionId !== undefined) {
    try {
      // The live list comes from an index (eventually consistent): confirm anything not in it.
      session = liveById.get(task.sessionId) ?? (await deps.store.get(task.sessionId));
    } catch (error) {
      fail(item, error);
      return undefined;
    }
  }
  const orphan = session === undefined || isEnded(session.status) || (session.taskArn !== undefined && session.taskArn !== task.taskArn);
  if (!orphan) return undefined;
  return {
    kind: 'orphans',
    item,
    run: async () => {
      await deps.tasks.stop(task.taskArn, stopReasonText('orphaned'));
      deps.metrics.count('OrphansStopped');
      await publishEvents(deps, [
        { type: 'Orphan Task Stopped', detail: { taskArn: task.taskArn, ...(task.sessionId !== undefined && { sessionId: task.sessionId }) } },
      ]);
      return 'stop_orphan';
    },
  };
};

const emitGauges = (deps: Pick<UseCaseDeps, 'metrics'>, live: readonly Session[], now: number, failures: number): void => {
  const summary = summarizeLive(live, now);
  deps.metrics.observe('LiveSessions', summary.live, 'Count');
  deps.metrics.observe('OverdueSessions', summary.overdue, 'Count');
  for (const [level, count] of Object.entries(summary.byActivityLevel)) {
    deps.metrics.observe('SessionsByActivity', count, 'Count', { ActivityLevel: level });
  }
  if (failures > 0) deps.metrics.count('SweepFailures', failures);
};
