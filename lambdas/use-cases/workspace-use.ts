// A session takes its owner's workspace of its profile when it is created and gives it back when
// it ends (README "Workspaces"). Taking is one conditional write (`saved → in_use`, or a new record);
// giving back saves the files (nothing to do locally, a snapshot on AWS) and starts the retention:
// `in_use → saved` with `deleteAt`, arming a schedule only when none is armed (workspace-schedule.ts).
// Like owner slots, a give-back that was lost (a crash, a throttle) is repaired by the next take:
// a workspace held by a session that has ended is given back first.
import { ConflictError, UnavailableError } from '../domain/errors';
import { type Session, isEnded, iso, ms } from '../domain/session';
import {
  type SessionWorkspace,
  type Workspace,
  type WorkspacePolicy,
  nextWorkspaceFireAtMs,
  sessionWorkspaceOf,
  workspaceIdOf,
} from '../domain/workspace';
import { type UseCaseDeps } from './use-case-deps';
import { UNWRITTEN_CLAIM_GRACE_MS } from './owner-slots';
import { type WorkspaceScheduleDeps, armWorkspaceSchedule } from './workspace-schedule';

/** Retries when another writer changed the record between our read and our write. */
const MAX_ATTEMPTS = 5;

export type WorkspaceUseDeps = WorkspaceScheduleDeps & Pick<UseCaseDeps, 'store'>;

export interface WorkspaceClaim {
  ownerId: string;
  profile: string;
  sessionId: string;
  policy: WorkspacePolicy;
}

/**
 * Takes the owner's workspace of the profile for a session being created, making it on first use.
 * 409 while another live session of theirs has it, or while it is being saved or deleted.
 */
export const takeWorkspace = async (deps: WorkspaceUseDeps, claim: WorkspaceClaim): Promise<SessionWorkspace> => {
  const { store } = deps.workspaces;
  const key = { ownerId: claim.ownerId, profile: claim.profile };
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const now = iso(deps.clock.now());
    const current = await store.get(key);
    if (current === undefined) {
      if (await store.create(newWorkspace(claim, now))) return sessionWorkspaceOf(claim.policy, false);
      continue; // another create of this owner made it first
    }
    if (current.state === 'in_use' && current.sessionId === claim.sessionId) {
      return sessionWorkspaceOf(claim.policy, current.restored === true); // a retry of this very create
    }
    if (current.state === 'in_use') {
      if (!(await heldByGoneSession(deps, current))) {
        throw new ConflictError(`workspace: your ${claim.profile} workspace is in use by another session; end that one first`);
      }
      deps.log.warn('taking back a workspace its ended session did not give back', { workspaceId: current.id, sessionId: current.sessionId });
      await giveBack(deps, current, current.sessionId ?? '');
      continue;
    }
    if (current.state === 'saving') throw new ConflictError('workspace: your workspace is still being saved; try again in a minute');
    if (current.state === 'deleting') throw new ConflictError('workspace: your workspace is being deleted; try again in a minute');
    // saved: take it, keeping the schedule it has (it fires stale-safe: the record is in_use then).
    // Never smaller than it was: a snapshot cannot be restored into a smaller volume.
    const policy = { ...claim.policy, sizeGiB: Math.max(claim.policy.sizeGiB, current.sizeGiB) };
    const result = await store.update(
      key,
      {
        state: 'in_use',
        sessionId: claim.sessionId,
        lastUsedAt: now,
        restored: true,
        deleteAt: null,
        warnedAt: null,
        warnedFor: null,
        mountPath: policy.mountPath,
        sizeGiB: policy.sizeGiB,
        retentionSeconds: policy.retentionSeconds,
        warnBeforeSeconds: policy.warnBeforeSeconds ?? null,
      },
      { version: current.version, stateIn: ['saved'] },
    );
    if (result.ok) return sessionWorkspaceOf(policy, true);
  }
  throw new UnavailableError('your workspace changed too often to take it; try again');
};

const newWorkspace = (claim: WorkspaceClaim, now: string): Workspace => ({
  id: workspaceIdOf(claim.ownerId, claim.profile),
  ownerId: claim.ownerId,
  profile: claim.profile,
  state: 'in_use',
  sessionId: claim.sessionId,
  mountPath: claim.policy.mountPath,
  sizeGiB: claim.policy.sizeGiB,
  createdAt: now,
  lastUsedAt: now,
  restored: false,
  retentionSeconds: claim.policy.retentionSeconds,
  ...(claim.policy.warnBeforeSeconds !== undefined && { warnBeforeSeconds: claim.policy.warnBeforeSeconds }),
  scheduleSeq: 0,
  version: 1,
});

/** Its session has ended, or was never written (taken long ago by a create that failed before writing). */
const heldByGoneSession = async (deps: WorkspaceUseDeps, workspace: Workspace): Promise<boolean> => {
  if (workspace.sessionId === undefined) return true;
  const holder = await deps.store.get(workspace.sessionId);
  if (holder !== undefined) return isEnded(holder.status);
  return deps.clock.now() - ms(workspace.lastUsedAt) > UNWRITTEN_CLAIM_GRACE_MS;
};

/**
 * Gives the ended session's workspace back: saves it and starts its retention. Best-effort, as
 * the owner slot's give-back is: a failure is logged, and the owner's next session of the profile
 * gives it back before taking it.
 */
export const giveBackWorkspaceQuietly = async (
  deps: Pick<UseCaseDeps, 'workspaces' | 'scheduler' | 'clock' | 'log' | 'metrics'>,
  session: Session,
): Promise<void> => {
  const { workspaces } = deps;
  if (session.workspace === undefined || workspaces === undefined) return;
  try {
    const current = await workspaces.store.get(session);
    if (current?.state !== 'in_use' || current.sessionId !== session.id) return;
    await giveBack({ ...deps, workspaces }, current, session.id);
  } catch (error) {
    deps.log.warn('could not give back the workspace of an ended session; its next session does', { sessionId: session.id, error: String(error) });
  }
};

const giveBack = async (deps: WorkspaceScheduleDeps, workspace: Workspace, sessionId: string): Promise<void> => {
  const saved = await deps.workspaces.volumes.save(workspace, sessionId);
  const now = deps.clock.now();
  if (!saved.saved) {
    // AWS: the snapshot's completion event finishes the give-back (finish-workspace-save.ts).
    await deps.workspaces.store.update(
      workspace,
      { state: 'saving', pendingSnapshotId: saved.snapshotId, volumeId: saved.volumeId, lastUsedAt: iso(now) },
      { version: workspace.version, stateIn: ['in_use'] },
    );
    return;
  }
  await markSaved(deps, workspace, {}, now);
};

/**
 * `in_use|saving → saved`, `deleteAt` = now + retention. Arms a schedule only if none is armed: an
 * armed one fires no later than the new deadline (it was armed for an earlier one) and re-arms then.
 */
export const markSaved = async (
  deps: WorkspaceScheduleDeps,
  workspace: Workspace,
  extra: { snapshotId?: string },
  nowMs: number,
): Promise<Workspace | undefined> => {
  const deleteAt = iso(nowMs + workspace.retentionSeconds * 1000);
  const patch = { state: 'saved' as const, lastUsedAt: iso(nowMs), deleteAt, restored: null, volumeId: null, pendingSnapshotId: null, ...extra };
  let schedule = {};
  if (workspace.scheduleName === undefined) {
    const fireAt = nextWorkspaceFireAtMs({ ...workspace, deleteAt }) ?? ms(deleteAt);
    schedule = await armWorkspaceSchedule(deps, workspace, fireAt);
  }
  const result = await deps.workspaces.store.update(workspace, { ...patch, ...schedule }, { version: workspace.version, stateIn: ['in_use', 'saving'] });
  if (!result.ok) {
    deps.log.info('workspace changed before it was marked saved', { workspaceId: workspace.id, state: result.current?.state });
    return undefined;
  }
  deps.log.info('workspace saved', { workspaceId: workspace.id, deleteAt });
  return result.workspace;
};
