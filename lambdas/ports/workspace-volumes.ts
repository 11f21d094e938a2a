// Where a workspace's files are (README "Workspaces"): a directory per owner and profile locally;
// on AWS an EBS volume while a session runs and a snapshot between sessions.
import { type Workspace } from '../domain/workspace';

/** What saving a workspace after its session ended came to. */
export type SaveOutcome =
  /** Kept as it is (a local directory), or its snapshot is complete. */
  | { saved: true; snapshotId?: string }
  /** A snapshot was started; its completion is reported later (the EBS snapshot event on AWS). */
  | { saved: false; snapshotId: string };

export interface WorkspaceVolumes {
  /** Keeps what the ended session `sessionId` left in the workspace. */
  save(workspace: Workspace, sessionId: string): Promise<SaveOutcome>;
  /** Deletes the workspace's files for good; one already gone is success. */
  remove(workspace: Workspace): Promise<void>;
}
