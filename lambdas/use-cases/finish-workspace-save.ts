// A workspace's snapshot finished (README "Workspaces", AWS): the `EBS Snapshot Notification` of
// the snapshot the give-back started. Succeeded: `saving → saved` with it as the latest snapshot
// (its retention starts, as a local give-back's does), then the volume it was taken from and the
// snapshot it replaces are deleted. Failed: a new snapshot of the same volume is started, and the
// record waits for that one's event. An event for a snapshot the record is not waiting for (a
// duplicate, a late one, someone else's) changes nothing.
import { type UseCaseDeps } from './use-case-deps';
import { markSaved } from './workspace-use';

export type SnapshotOutcome = 'not_ours' | 'stale' | 'saved' | 'retried';

export interface SnapshotResult {
  snapshotId: string;
  succeeded: boolean;
}

export const finishWorkspaceSave = async (
  deps: Pick<UseCaseDeps, 'workspaces' | 'scheduler' | 'clock' | 'log' | 'metrics'>,
  result: SnapshotResult,
): Promise<{ outcome: SnapshotOutcome }> => {
  const { workspaces } = deps;
  const owner = await workspaces?.volumes.snapshotOwner(result.snapshotId);
  if (workspaces === undefined || owner === undefined) return { outcome: 'not_ours' };
  const workspace = await workspaces.store.get(owner);
  if (workspace?.state !== 'saving' || workspace.pendingSnapshotId !== result.snapshotId) {
    deps.log.info('snapshot event for a snapshot the workspace is not waiting for', { snapshotId: result.snapshotId, state: workspace?.state });
    return { outcome: 'stale' };
  }
  const d = { ...deps, workspaces };
  if (!result.succeeded) {
    deps.log.warn('workspace snapshot failed; taking it again', { workspaceId: workspace.id, snapshotId: result.snapshotId });
    const again = await workspaces.volumes.save(workspace, workspace.sessionId ?? '');
    if (again.saved) return { outcome: 'stale' }; // the volume is gone: nothing left to take
    await workspaces.store.update(workspace, { pendingSnapshotId: again.snapshotId, volumeId: again.volumeId }, { version: workspace.version, stateIn: ['saving'] });
    return { outcome: 'retried' };
  }
  const saved = await markSaved(d, workspace, { snapshotId: result.snapshotId }, deps.clock.now());
  if (saved === undefined) return { outcome: 'stale' };
  // The record names the new snapshot now: the volume and the snapshot it replaces may go. A failure
  // here leaves them behind for the sweep (README "Workspaces").
  await workspaces.volumes.discard({
    ...(workspace.volumeId !== undefined && { volumeId: workspace.volumeId }),
    ...(workspace.snapshotId !== undefined && { snapshotId: workspace.snapshotId }),
  });
  return { outcome: 'saved' };
};
