// A workspace (README "Workspaces"): the files one owner keeps across their sessions of one
// profile. Sessions come and go; the workspace is `in_use` while one has it, `saved` (after
// `saving`, where a volume must be snapshotted first) between them, and `deleting` once its
// retention has passed without use or its owner removed it. Its deadline is armed with the same
// one-time schedules as a session's, re-armed lazily (use-cases/expire-workspace.ts).
import { createHash } from 'node:crypto';
import { type WorkspaceState, WORKSPACE_STATES } from '../../contract/vocabulary';
import { type SessionWorkspaceView, type WorkspaceView } from '../../contract/wire';
import { ms } from './session';

export { type WorkspaceState, WORKSPACE_STATES };

/** What a profile's `workspace` asks for, with its retention in seconds (the local stack may give seconds). */
export interface WorkspacePolicy {
  sizeGiB: number;
  mountPath: string;
  retentionSeconds: number;
  warnBeforeSeconds?: number;
}

/** What a session keeps of its workspace: the view, the policy as it was at create. */
export type SessionWorkspace = SessionWorkspaceView;

export interface Workspace extends Omit<WorkspaceView, 'warnedAt'> {
  /** `ws-<32 hex>`, from the owner and profile: names its schedules, its local directory, its AWS tags. */
  id: string;
  /** The retention and warning as the profile gave them when a session last took it. */
  retentionSeconds: number;
  warnBeforeSeconds?: number;
  warnedAt?: string;
  /** The `deleteAt` the last warning was about; a later deadline (used again) gets its own. */
  warnedFor?: string;
  /** Whether the session that has it now found earlier work in it. */
  restored?: boolean;
  /** AWS: the latest complete snapshot, restored into the next session's volume. */
  snapshotId?: string;
  /** AWS, while `saving`: the snapshot being taken, which replaces `snapshotId` once complete. */
  pendingSnapshotId?: string;
  /** AWS: the volume of the session that has it, until its snapshot is taken. */
  volumeId?: string;
  // Bookkeeping, as a session's (arm-schedule.ts):
  scheduleName?: string;
  scheduleSeq: number;
  version: number;
}

/**
 * The workspace's id: a hash of owner and profile, so it is safe in a schedule name, a directory
 * name and a tag value whatever the owner id holds (a JWT `sub` may hold anything), and the same
 * for the same pair on every deployment that shares an owner.
 */
export const workspaceIdOf = (ownerId: string, profile: string): string =>
  `ws-${createHash('sha256').update(`${profile}\n${ownerId}`).digest('hex').slice(0, 32)}`;

export const workspaceScheduleNameFor = (workspaceId: string, n: number): string => `${workspaceId}-${n}`;

/** A `ws-<32 hex>-<n>` schedule name (the expire handler tells workspace fires from session fires by it). */
export const WORKSPACE_SCHEDULE_NAME = /^ws-[0-9a-f]{32}-\d{1,9}$/;

/** When `Workspace Expiring` is due for the current deadline; undefined if none is (no warning, or sent). */
export const workspaceWarnAtMs = (w: Pick<Workspace, 'deleteAt' | 'warnBeforeSeconds' | 'warnedFor'>): number | undefined => {
  if (w.deleteAt === undefined || w.warnBeforeSeconds === undefined || w.warnedFor === w.deleteAt) return undefined;
  return ms(w.deleteAt) - w.warnBeforeSeconds * 1000;
};

/** When the workspace's schedule should fire next: the warning if one is still due, else the deletion. */
export const nextWorkspaceFireAtMs = (w: Pick<Workspace, 'deleteAt' | 'warnBeforeSeconds' | 'warnedFor'>): number | undefined => {
  if (w.deleteAt === undefined) return undefined;
  return workspaceWarnAtMs(w) ?? ms(w.deleteAt);
};

/** The API's view: the record without its bookkeeping (ids, volume, snapshot, schedule). */
export const toWorkspaceView = (w: Workspace): WorkspaceView => ({
  ownerId: w.ownerId,
  profile: w.profile,
  state: w.state,
  mountPath: w.mountPath,
  sizeGiB: w.sizeGiB,
  createdAt: w.createdAt,
  lastUsedAt: w.lastUsedAt,
  ...(w.sessionId !== undefined && { sessionId: w.sessionId }),
  ...(w.deleteAt !== undefined && { deleteAt: w.deleteAt }),
  ...(w.warnedAt !== undefined && { warnedAt: w.warnedAt }),
});

/** What a session records of the workspace it got. */
export const sessionWorkspaceOf = (policy: WorkspacePolicy, restored: boolean): SessionWorkspace => ({
  mountPath: policy.mountPath,
  sizeGiB: policy.sizeGiB,
  restored,
  retentionSeconds: policy.retentionSeconds,
  ...(policy.warnBeforeSeconds !== undefined && { warnBeforeSeconds: policy.warnBeforeSeconds }),
});
