// WorkspaceStore in memory for use-case tests, keeping the port's contract (conditional writes that
// bump `version` and answer a failed condition with the current record); the DynamoDB adapter's
// test runs the same cases against dynalite. Each call is atomic (no await inside), like one request.
import { type Workspace } from '../../lambdas/domain/workspace';
import {
  type WorkspaceExpectation,
  type WorkspaceKey,
  type WorkspacePatch,
  type WorkspaceStore,
  type WorkspaceWriteResult,
} from '../../lambdas/ports/workspace-store';
import { type SaveOutcome, type WorkspaceResource, type WorkspaceVolumes } from '../../lambdas/ports/workspace-volumes';
import { FailurePlan } from './failure-plan';

const keyOf = (key: WorkspaceKey): string => JSON.stringify([key.ownerId, key.profile]);

export class InMemoryWorkspaceStore implements WorkspaceStore {
  readonly records = new Map<string, Workspace>();
  readonly failures = new FailurePlan<'create' | 'get' | 'update' | 'remove' | 'listByOwner' | 'listScheduled'>();
  /** Runs before an update is applied: how a test stages a concurrent writer. */
  beforeUpdate?: (key: WorkspaceKey, patch: WorkspacePatch) => void;

  seed(workspace: Workspace): Workspace {
    this.records.set(keyOf(workspace), structuredClone(workspace));
    return workspace;
  }

  peek(key: WorkspaceKey): Workspace | undefined {
    const found = this.records.get(keyOf(key));
    return found === undefined ? undefined : structuredClone(found);
  }

  async create(workspace: Workspace): Promise<boolean> {
    await Promise.resolve();
    this.failures.check('create', workspace);
    if (this.records.has(keyOf(workspace))) return false;
    this.records.set(keyOf(workspace), structuredClone(workspace));
    return true;
  }

  async get(key: WorkspaceKey): Promise<Workspace | undefined> {
    await Promise.resolve();
    this.failures.check('get', key);
    return this.peek(key);
  }

  async update(key: WorkspaceKey, patch: WorkspacePatch, expect: WorkspaceExpectation): Promise<WorkspaceWriteResult> {
    await Promise.resolve();
    this.failures.check('update', key, patch);
    this.beforeUpdate?.(key, patch);
    const current = this.records.get(keyOf(key));
    const holds =
      current !== undefined &&
      (expect.stateIn === undefined || expect.stateIn.includes(current.state)) &&
      (expect.version === undefined || expect.version === current.version) &&
      (expect.sessionId === undefined || expect.sessionId === current.sessionId);
    if (!holds) return { ok: false, current: current === undefined ? undefined : structuredClone(current) };
    const next: Record<string, unknown> = { ...current, version: current.version + 1 };
    for (const [field, value] of Object.entries(patch)) {
      if (value === null) delete next[field];
      else if (value !== undefined) next[field] = structuredClone(value);
    }
    this.records.set(keyOf(key), next as unknown as Workspace);
    return { ok: true, workspace: structuredClone(next as unknown as Workspace) };
  }

  async remove(key: WorkspaceKey): Promise<boolean> {
    await Promise.resolve();
    this.failures.check('remove', key);
    if (this.records.get(keyOf(key))?.state !== 'deleting') return false;
    this.records.delete(keyOf(key));
    return true;
  }

  async listByOwner(ownerId: string): Promise<Workspace[]> {
    await Promise.resolve();
    this.failures.check('listByOwner', ownerId);
    return [...this.records.values()].filter((w) => w.ownerId === ownerId).sort((a, b) => (a.profile < b.profile ? -1 : 1)).map((w) => structuredClone(w));
  }

  async listScheduled(): Promise<Workspace[]> {
    await Promise.resolve();
    this.failures.check('listScheduled');
    return [...this.records.values()].filter((w) => w.scheduleName !== undefined).map((w) => structuredClone(w));
  }
}

/** Volumes that keep files as a set of workspace ids, record every call and fail on demand. */
export class FakeWorkspaceVolumes implements WorkspaceVolumes {
  /** Workspace ids whose files exist. */
  readonly kept = new Set<string>();
  readonly saveCalls: { workspaceId: string; sessionId: string }[] = [];
  readonly removeCalls: string[] = [];
  readonly failures = new FailurePlan<'save' | 'remove'>();
  /** What save answers (default: saved at once, as the local directories are). */
  saveOutcome: SaveOutcome = { saved: true };

  async save(workspace: Workspace, sessionId: string): Promise<SaveOutcome> {
    await Promise.resolve();
    this.saveCalls.push({ workspaceId: workspace.id, sessionId });
    this.failures.check('save', workspace);
    this.kept.add(workspace.id);
    const outcome = this.saveOutcome;
    if (!outcome.saved) this.snapshotOwners.set(outcome.snapshotId, { ownerId: workspace.ownerId, profile: workspace.profile });
    return outcome;
  }

  /** Snapshot id → the workspace it was taken for (what its tags would say). */
  readonly snapshotOwners = new Map<string, { ownerId: string; profile: string }>();
  readonly discarded: { volumeId?: string; snapshotId?: string }[] = [];

  async snapshotOwner(snapshotId: string): Promise<{ ownerId: string; profile: string } | undefined> {
    await Promise.resolve();
    return this.snapshotOwners.get(snapshotId);
  }

  async discard(resource: { volumeId?: string; snapshotId?: string }): Promise<void> {
    await Promise.resolve();
    this.discarded.push(resource);
  }

  /** What `leftovers` answers (a test stages volumes and snapshots left behind). */
  resources: WorkspaceResource[] = [];

  async leftovers(): Promise<WorkspaceResource[]> {
    await Promise.resolve();
    return structuredClone(this.resources);
  }

  async remove(workspace: Workspace): Promise<void> {
    await Promise.resolve();
    this.removeCalls.push(workspace.id);
    this.failures.check('remove', workspace);
    this.kept.delete(workspace.id);
  }
}
