// WorkspaceVolumes whose adapter is loaded on the first call (README "Performance"): the port's
// calls are forwarded to what `load` resolves to, loaded once; a load that failed is tried again on
// the next call, so one bad cold start does not disable the workspaces of a warm function.
import { type WorkspaceKey } from '../ports/workspace-store';
import { type SaveOutcome, type WorkspaceResource, type WorkspaceVolumes } from '../ports/workspace-volumes';
import { type Workspace } from '../domain/workspace';

export class LazyWorkspaceVolumes implements WorkspaceVolumes {
  private loaded: Promise<WorkspaceVolumes> | undefined;

  constructor(private readonly load: () => Promise<WorkspaceVolumes>) {}

  private volumes(): Promise<WorkspaceVolumes> {
    this.loaded ??= this.load().catch((error: unknown) => {
      this.loaded = undefined;
      throw error;
    });
    return this.loaded;
  }

  async save(workspace: Workspace, sessionId: string): Promise<SaveOutcome> {
    return (await this.volumes()).save(workspace, sessionId);
  }

  async snapshotOwner(snapshotId: string): Promise<WorkspaceKey | undefined> {
    return (await this.volumes()).snapshotOwner(snapshotId);
  }

  async discard(resource: { volumeId?: string; snapshotId?: string }): Promise<void> {
    return (await this.volumes()).discard(resource);
  }

  async remove(workspace: Workspace): Promise<void> {
    return (await this.volumes()).remove(workspace);
  }

  async leftovers(): Promise<WorkspaceResource[]> {
    return (await this.volumes()).leftovers();
  }
}
