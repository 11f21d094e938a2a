// The sweep's safety net for workspaces on AWS (README "Workspaces"): a volume or snapshot that no
// workspace record names is left over (a snapshot's event was lost, a discard failed, a workspace
// was deleted while a volume was still detaching) and is deleted. What a record still needs is
// kept: its latest and pending snapshot, its pending volume, and the volume of the session that has
// it (that session's give-back snapshots it). Young resources are left alone: RunTask makes the
// volume before the record can name anything, and a snapshot may be in flight.
import { type SweepItem } from '../../contract/wire';
import { type Workspace } from '../domain/workspace';
import { type WorkspaceResource } from '../ports/workspace-volumes';
import { type UseCaseDeps } from './use-case-deps';

/** Resources younger than this are never leftovers: a session start or a snapshot may still be naming them. */
export const LEFTOVER_GRACE_MS = 60 * 60_000;

export interface LeftoverRepair {
  item: SweepItem;
  run: () => Promise<string>;
}

const stillNeeded = (resource: WorkspaceResource, workspace: Workspace | undefined): boolean => {
  if (workspace === undefined || workspace.state === 'deleting') return false;
  if (resource.kind === 'snapshot') return resource.id === workspace.snapshotId || resource.id === workspace.pendingSnapshotId;
  if (resource.id === workspace.volumeId) return true;
  return workspace.state === 'in_use' && resource.sessionId !== undefined && resource.sessionId === workspace.sessionId;
};

/** The leftovers to delete, each a repair of its own (one failure never stops the others). */
export const planWorkspaceLeftovers = async (
  deps: Pick<UseCaseDeps, 'workspaces' | 'clock'>,
): Promise<LeftoverRepair[]> => {
  const { workspaces } = deps;
  if (workspaces === undefined) return [];
  const now = deps.clock.now();
  const old = (await workspaces.volumes.leftovers()).filter((r) => now - r.createdAt > LEFTOVER_GRACE_MS);
  const records = new Map<string, Promise<Workspace | undefined>>();
  const recordOf = (r: WorkspaceResource): Promise<Workspace | undefined> => {
    const key = JSON.stringify([r.owner.ownerId, r.owner.profile]);
    let found = records.get(key);
    if (found === undefined) {
      found = workspaces.store.get(r.owner);
      records.set(key, found);
    }
    return found;
  };
  const repairs: LeftoverRepair[] = [];
  for (const resource of old) {
    if (stillNeeded(resource, await recordOf(resource))) continue;
    const action = resource.kind === 'volume' ? 'delete_volume' : 'delete_snapshot';
    repairs.push({
      item: { ...(resource.sessionId !== undefined && { sessionId: resource.sessionId }), action },
      run: async () => {
        await workspaces.volumes.discard(resource.kind === 'volume' ? { volumeId: resource.id } : { snapshotId: resource.id });
        return action;
      },
    });
  }
  return repairs;
};
