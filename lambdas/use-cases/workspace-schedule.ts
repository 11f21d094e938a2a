// A workspace's deadline is armed as a session's is (arm-schedule.ts): arm-then-write, a new name
// `ws-<id>-<n>` for every arm, a fire the record does not name is stale. Lazy: a workspace used
// again keeps the schedule it has (it fires no later than the new deadline, and re-arms then), so
// taking a workspace and giving it back never costs a Scheduler call while one is armed.
import { type Workspace, workspaceScheduleNameFor } from '../domain/workspace';
import { type WorkspacePatch } from '../ports/workspace-store';
import { type UseCaseDeps, type WorkspaceDeps } from './use-case-deps';

/** What a workspace's schedules need: the Scheduler, the clock, and the record to name them on. */
export type WorkspaceScheduleDeps = Pick<UseCaseDeps, 'scheduler' | 'clock' | 'log' | 'metrics'> & { workspaces: WorkspaceDeps };

/** Arms schedule number `scheduleSeq + 1` of the workspace; a time already past fires as soon as possible. */
export const armWorkspaceSchedule = async (
  deps: WorkspaceScheduleDeps,
  workspace: Workspace,
  fireAtMs: number,
  armedSeq = 0,
): Promise<Pick<Workspace, 'scheduleName' | 'scheduleSeq'> & { scheduleName: string }> => {
  const scheduleSeq = Math.max(workspace.scheduleSeq, armedSeq) + 1;
  const scheduleName = workspaceScheduleNameFor(workspace.id, scheduleSeq);
  await deps.scheduler.arm({
    workspace: { ownerId: workspace.ownerId, profile: workspace.profile },
    scheduleName,
    fireAt: Math.max(fireAtMs, deps.clock.now()),
  });
  deps.metrics.count('SchedulesArmed');
  return { scheduleName, scheduleSeq };
};

/** Writes `patch` and the schedule just armed, if the record is still the one read. */
export const nameWorkspaceSchedule = async (
  deps: WorkspaceScheduleDeps,
  workspace: Workspace,
  patch: WorkspacePatch,
): Promise<Workspace | undefined> => {
  const result = await deps.workspaces.store.update(workspace, patch, { version: workspace.version });
  if (!result.ok) deps.log.debug('workspace changed before its schedule was named; deciding again', { workspaceId: workspace.id });
  return result.ok ? result.workspace : undefined;
};

/** Removes a schedule no longer needed. Best-effort: a leftover one only fires stale. */
export const disarmWorkspaceQuietly = async (deps: Pick<UseCaseDeps, 'scheduler' | 'log'>, scheduleName: string | undefined): Promise<void> => {
  if (scheduleName === undefined) return;
  try {
    await deps.scheduler.disarm(scheduleName);
  } catch (error) {
    deps.log.warn('could not disarm a workspace schedule; its fire will be stale', { scheduleName, error: String(error) });
  }
};
