// The local stand-in for a workspace's EBS volume and snapshots (README "Workspaces"): one
// directory per owner and profile, `<dataDir>/workspaces/<workspace id>/`, which the process runner
// gives the task as its working directory and SESSION_WORKSPACE_DIR. It is kept as it is when a
// session ends (nothing to snapshot: saving is done at once) and across stack restarts, and removed
// when the workspace is deleted.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Workspace } from '../../lambdas/domain/workspace';
import { type SaveOutcome, type WorkspaceVolumes } from '../../lambdas/ports/workspace-volumes';

const SAFE_WORKSPACE_ID = /^ws-[0-9a-f]{32}$/;

/** The directory of a workspace; the id is a hash (domain/workspace.ts), so no owner id reaches the path. */
export const workspaceDirOf = (dataDir: string, workspaceId: string): string => {
  if (!SAFE_WORKSPACE_ID.test(workspaceId)) throw new Error('invalid workspace id');
  return join(dataDir, 'workspaces', workspaceId);
};

export class DirectoryWorkspaceVolumes implements WorkspaceVolumes {
  constructor(private readonly dataDir: string) {}

  save(): Promise<SaveOutcome> {
    return Promise.resolve({ saved: true });
  }

  /** No snapshots here: nothing is ever saving. */
  snapshotOwner(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  discard(): Promise<void> {
    return Promise.resolve();
  }

  /** A directory is never left behind: it goes with its record. */
  leftovers(): Promise<[]> {
    return Promise.resolve([]);
  }

  async remove(workspace: Workspace): Promise<void> {
    await rm(workspaceDirOf(this.dataDir, workspace.id), { recursive: true, force: true });
  }
}
