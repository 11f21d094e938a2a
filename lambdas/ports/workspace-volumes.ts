// Where a workspace's files are (README "Workspaces"): a directory per owner and profile locally;
// on AWS an EBS volume while a session runs and a snapshot between sessions.
import { type Workspace } from '../domain/workspace';
import { type WorkspaceKey } from './workspace-store';

/** What saving a workspace after its session ended came to. */
export type SaveOutcome =
  /** Kept as it is (a local directory), or nothing new to keep (the session never got a volume). */
  | { saved: true }
  /** A snapshot of the session's volume was started; its completion is reported later (the EBS snapshot event). */
  | { saved: false; snapshotId: string; volumeId: string };

/** A volume or snapshot of some workspace, as the sweep sees it (AWS only: locally there are none). */
export interface WorkspaceResource {
  kind: 'volume' | 'snapshot';
  id: string;
  owner: WorkspaceKey;
  /** The session it was made for (its tag), if it has one. */
  sessionId?: string;
  /** Epoch milliseconds. */
  createdAt: number;
}

export interface WorkspaceVolumes {
  /** Keeps what the ended session `sessionId` left in the workspace. */
  save(workspace: Workspace, sessionId: string): Promise<SaveOutcome>;
  /** The workspace a snapshot was taken for, from the snapshot's own tags; undefined for one not ours. */
  snapshotOwner(snapshotId: string): Promise<WorkspaceKey | undefined>;
  /** Deletes a volume whose snapshot is complete, or a snapshot replaced by a newer one; one already gone is success. */
  discard(resource: { volumeId?: string; snapshotId?: string }): Promise<void>;
  /** Deletes the workspace's files for good (every volume and snapshot of it); one already gone is success. */
  remove(workspace: Workspace): Promise<void>;
  /** Every unattached volume and every snapshot of this deployment's workspaces (the sweep's safety net). */
  leftovers(): Promise<WorkspaceResource[]>;
}
