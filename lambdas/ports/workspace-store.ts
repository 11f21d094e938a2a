// Where workspaces live (README "Workspaces"): one record per owner and profile. The DynamoDB
// adapter implements it; every write is conditional and a failed condition returns the current
// record, never throws, as the session store does.
import { type Workspace, type WorkspaceState } from '../domain/workspace';

/** Fields to set; `null` removes the attribute. `version` is managed by the store. */
export type WorkspacePatch = { [K in Exclude<keyof Workspace, 'ownerId' | 'profile' | 'id' | 'version'>]?: Workspace[K] | null };

/** What must hold for a write to happen. Omitted parts are not checked. */
export interface WorkspaceExpectation {
  stateIn?: readonly WorkspaceState[];
  version?: number;
  /** The session that has it (`in_use`, `saving`). */
  sessionId?: string;
}

export type WorkspaceWriteResult =
  | { ok: true; workspace: Workspace }
  /** The condition failed: `current` is the record as it is (undefined when there is none). */
  | { ok: false; current: Workspace | undefined };

export interface WorkspaceKey {
  ownerId: string;
  profile: string;
}

export interface WorkspaceStore {
  /** Writes a new record; `false` if the owner has one for the profile already. */
  create(workspace: Workspace): Promise<boolean>;
  get(key: WorkspaceKey): Promise<Workspace | undefined>;
  /** One conditional write: applies the patch and increments `version`. */
  update(key: WorkspaceKey, patch: WorkspacePatch, expect: WorkspaceExpectation): Promise<WorkspaceWriteResult>;
  /** Deletes the record if it is `deleting`; `false` if it is not (or is gone). */
  remove(key: WorkspaceKey): Promise<boolean>;
  /** The owner's workspaces, by profile name. */
  listByOwner(ownerId: string): Promise<Workspace[]>;
  /**
   * Every workspace that has a schedule armed: the local stack arms them again after a restart
   * (its timers die with it); on AWS the schedules outlive every process and nothing calls this.
   */
  listScheduled(): Promise<Workspace[]>;
}
