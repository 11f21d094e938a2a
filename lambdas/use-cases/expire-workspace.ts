// A workspace's schedule fired (README "Workspaces"). Primary course: re-read the record; if it is
// `saved` and its `deleteAt` has come, win `saved → deleting`, delete its files, then the record,
// and publish "Workspace Deleted". If a warning is due, publish "Workspace Expiring" once for this
// deadline and arm for the deadline itself. If the workspace was used again since (in use, or
// saved again with a later deadline), re-arm lazily: an in-use workspace drops its schedule (giving
// it back arms one), a later deadline gets one new schedule. A fire the record does not name is
// stale and does nothing; a `deleting` record's fire finishes the deletion (a retried fire after a
// failed delete).
import { UnavailableError } from '../domain/errors';
import { iso, ms } from '../domain/session';
import { type Workspace, nextWorkspaceFireAtMs, workspaceWarnAtMs } from '../domain/workspace';
import { type WorkspaceDeleteReason } from '../ports/event-publisher';
import { type WorkspaceFire } from '../ports/expiry-scheduler';
import { publishEvents } from './publish-events';
import { type UseCaseDeps } from './use-case-deps';
import { type WorkspaceScheduleDeps, armWorkspaceSchedule, nameWorkspaceSchedule } from './workspace-schedule';

export type ExpireWorkspaceOutcome = 'missing' | 'stale' | 'unscheduled' | 'rearmed' | 'warned' | 'deleted' | 'unavailable';

export type ExpireWorkspaceDeps = WorkspaceScheduleDeps & Pick<UseCaseDeps, 'events'>;

/** Attempts when another write lands between our read and our write (each may arm once). */
const MAX_ATTEMPTS = 5;

export const expireWorkspace = async (
  deps: Pick<UseCaseDeps, 'workspaces' | 'events' | 'scheduler' | 'clock' | 'log' | 'metrics'>,
  fire: WorkspaceFire,
): Promise<{ outcome: ExpireWorkspaceOutcome }> => {
  const { workspaces } = deps;
  if (workspaces === undefined) {
    deps.log.warn('workspace fire where workspaces are not configured', { scheduleName: fire.scheduleName });
    return { outcome: 'unavailable' };
  }
  const d: ExpireWorkspaceDeps = { ...deps, workspaces };
  let armedSeq = 0;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const workspace = await workspaces.store.get(fire.workspace);
    if (workspace === undefined) return { outcome: 'missing' };
    if (workspace.scheduleName !== fire.scheduleName) {
      deps.log.info('stale workspace fire', { scheduleName: fire.scheduleName, current: workspace.scheduleName });
      return { outcome: 'stale' };
    }
    if (workspace.state === 'deleting') {
      await finishDeletion(d, workspace, 'retention');
      return { outcome: 'deleted' };
    }
    if (workspace.state !== 'saved' || workspace.deleteAt === undefined) {
      // Used again: no deadline runs while a session has it; giving it back arms a new schedule.
      if (await nameWorkspaceSchedule(d, workspace, { scheduleName: null })) return { outcome: 'unscheduled' };
      continue;
    }
    const now = deps.clock.now();
    const deleteAtMs = ms(workspace.deleteAt);
    if (now < deleteAtMs) {
      const warnAt = workspaceWarnAtMs(workspace);
      const warnNow = warnAt !== undefined && now >= warnAt;
      const armed = await armWorkspaceSchedule(d, workspace, warnNow ? deleteAtMs : (nextWorkspaceFireAtMs(workspace) ?? deleteAtMs), armedSeq);
      armedSeq = armed.scheduleSeq;
      const patch = warnNow ? { ...armed, warnedAt: iso(now), warnedFor: workspace.deleteAt } : armed;
      if (!(await nameWorkspaceSchedule(d, workspace, patch))) continue;
      if (!warnNow) return { outcome: 'rearmed' };
      await publishEvents(deps, [
        {
          type: 'Workspace Expiring',
          detail: { ownerId: workspace.ownerId, profile: workspace.profile, deleteAt: workspace.deleteAt, lastUsedAt: workspace.lastUsedAt },
        },
      ]);
      return { outcome: 'warned' };
    }
    const deleting = await workspaces.store.update(workspace, { state: 'deleting' }, { version: workspace.version, stateIn: ['saved'] });
    if (!deleting.ok) continue; // taken again, or changed: decide again
    await finishDeletion(d, deleting.workspace, 'retention');
    return { outcome: 'deleted' };
  }
  throw new UnavailableError(`workspace ${fire.scheduleName} changed too often to expire; the fire will be retried`);
};

/**
 * Deletes a `deleting` workspace's files, then its record, and says so. A failure to delete the
 * files throws with the record still `deleting`: the retried fire (or the owner's next DELETE)
 * finishes it, and the record is never gone while its files are not.
 */
export const finishDeletion = async (deps: ExpireWorkspaceDeps, workspace: Workspace, reason: WorkspaceDeleteReason): Promise<void> => {
  await deps.workspaces.volumes.remove(workspace);
  if (!(await deps.workspaces.store.remove(workspace))) return;
  deps.log.info('workspace deleted', { workspaceId: workspace.id, reason });
  await publishEvents(deps, [
    { type: 'Workspace Deleted', detail: { ownerId: workspace.ownerId, profile: workspace.profile, reason, deletedAt: iso(deps.clock.now()) } },
  ]);
};
