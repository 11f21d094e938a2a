import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../../lambdas/domain/errors';
import { iso } from '../../../lambdas/domain/session';
import { workspaceIdOf } from '../../../lambdas/domain/workspace';
import { createSession } from '../../../lambdas/use-cases/create-session';
import { expireWorkspace } from '../../../lambdas/use-cases/expire-workspace';
import { finishWorkspaceSave } from '../../../lambdas/use-cases/finish-workspace-save';
import { deleteWorkspace, listWorkspaces } from '../../../lambdas/use-cases/manage-workspaces';
import { sweep } from '../../../lambdas/use-cases/sweep';
import { terminateSession } from '../../../lambdas/use-cases/terminate-session';
import { type FakeDeps, HOUR, MINUTE, makeDeps, throttled } from '../../support/fakes';
import { caught } from '../../support/thrown';
import { OWNER, runningSession, taskStopped } from './steps';

const DAY = 24 * HOUR;
const studio = { profile: 'studio' } as const;
const key = { ownerId: OWNER, profile: 'studio' };

/** A studio session that ran and was stopped by its owner: its workspace is given back. */
const sessionThatEnded = async (d: FakeDeps, ownerId = OWNER) => {
  const started = await runningSession(d, { ...studio, ownerId });
  await terminateSession(d, { id: started.session.id, caller: { ownerId, isAdmin: false } });
  await taskStopped(d, started);
  return started;
};

describe('workspaces', () => {
  let d: FakeDeps;
  beforeEach(() => {
    d = makeDeps();
  });

  describe('a session takes its owner\'s workspace', () => {
    it('the first session of a profile gets a new, empty workspace and shows it', async () => {
      const { session } = await runningSession(d, studio);

      expect(session.workspace).toEqual({ mountPath: '/home/user/work', sizeGiB: 20, restored: false, retentionSeconds: 7 * 86_400, warnBeforeSeconds: 86_400 });
      expect(d.workspaces.store.peek(key)).toMatchObject({ state: 'in_use', sessionId: session.id, id: workspaceIdOf(OWNER, 'studio') });
      expect(d.tasks.startCalls.at(-1)?.workspace).toEqual({ id: workspaceIdOf(OWNER, 'studio'), mountPath: '/home/user/work', sizeGiB: 20 });
    });

    it('a profile without a workspace gives its sessions none', async () => {
      const { session } = await runningSession(d);

      expect(session.workspace).toBeUndefined();
      expect(d.workspaces.store.records.size).toBe(0);
    });

    it('the next session of the same owner and profile finds it restored; another owner gets their own', async () => {
      await sessionThatEnded(d);

      const again = await runningSession(d, studio);
      const other = await runningSession(d, { ...studio, ownerId: 'bob' });

      expect(again.session.workspace?.restored).toBe(true);
      expect(other.session.workspace?.restored).toBe(false);
      expect(workspaceIdOf('bob', 'studio')).not.toBe(workspaceIdOf(OWNER, 'studio'));
    });

    it('refuses a second live session of the profile with 409 and gives its owner slot back', async () => {
      await runningSession(d, studio);

      const error = await caught(createSession(d, { ownerId: OWNER, profile: 'studio' }));

      expect(error).toBeInstanceOf(ConflictError);
      expect((await d.ownerSlots.holders({ ownerId: OWNER, profile: 'studio' })).length).toBe(1);
    });

    it('takes back a workspace whose ended session never gave it back', async () => {
      const started = await runningSession(d, studio);
      d.workspaces.store.failures.failNext('update', throttled());
      await terminateSession(d, { id: started.session.id, caller: { ownerId: OWNER, isAdmin: false } });
      await taskStopped(d, started);
      expect(d.workspaces.store.peek(key)?.state).toBe('in_use');

      const next = await runningSession(d, studio);

      expect(next.session.workspace?.restored).toBe(true);
      expect(d.workspaces.store.peek(key)).toMatchObject({ state: 'in_use', sessionId: next.session.id });
    });

    it('is refused with a validation error where workspaces are not available', async () => {
      const { workspaces: _none, ...withoutWorkspaces } = d;

      const error = await caught(createSession(withoutWorkspaces, { ownerId: OWNER, profile: 'studio' }));

      expect(error).toBeInstanceOf(ValidationError);
      expect((await d.ownerSlots.holders({ ownerId: OWNER, profile: 'studio' })).length).toBe(0);
    });
  });

  describe('giving it back and its retention', () => {
    it('an ended session saves the workspace and arms one schedule for the warning', async () => {
      const { session } = await sessionThatEnded(d);
      const endedAt = d.clock.now();

      expect(d.workspaces.volumes.saveCalls).toEqual([{ workspaceId: workspaceIdOf(OWNER, 'studio'), sessionId: session.id }]);
      expect(d.workspaces.store.peek(key)).toMatchObject({ state: 'saved', deleteAt: iso(endedAt + 7 * DAY) });
      expect(d.scheduler.armedForWorkspaces().map((a) => a.fireAt)).toEqual([endedAt + 6 * DAY]);
    });

    it('warns once, then deletes at the deadline: Workspace Expiring before Workspace Deleted', async () => {
      await sessionThatEnded(d);
      const [warning] = d.scheduler.armedForWorkspaces();
      d.clock.set(warning?.fireAt ?? 0);

      expect((await expireWorkspace(d, d.scheduler.fireWorkspace(warning?.scheduleName ?? ''))).outcome).toBe('warned');
      const [deletion] = d.scheduler.armedForWorkspaces();
      d.clock.set(deletion?.fireAt ?? 0);
      expect((await expireWorkspace(d, d.scheduler.fireWorkspace(deletion?.scheduleName ?? ''))).outcome).toBe('deleted');

      expect(d.events.published.filter((e) => e.type.startsWith('Workspace')).map((e) => e.type)).toEqual(['Workspace Expiring', 'Workspace Deleted']);
      expect(d.workspaces.store.peek(key)).toBeUndefined();
      expect(d.workspaces.volumes.kept.size).toBe(0);
    });

    it('used again before the warning: the old schedule fires, drops itself, and the next give-back arms a later one', async () => {
      await sessionThatEnded(d);
      const [first] = d.scheduler.armedForWorkspaces();
      d.clock.advance(2 * DAY);
      const again = await runningSession(d, studio);
      expect(d.scheduler.armCalls.filter((a) => 'workspace' in a)).toHaveLength(1); // lazy: no arm on take

      d.clock.set(first?.fireAt ?? 0);
      expect((await expireWorkspace(d, d.scheduler.fireWorkspace(first?.scheduleName ?? ''))).outcome).toBe('unscheduled');
      await terminateSession(d, { id: again.session.id, caller: { ownerId: OWNER, isAdmin: false } });
      await taskStopped(d, again);

      const endedAt = d.clock.now();
      expect(d.scheduler.armedForWorkspaces().map((a) => a.fireAt)).toEqual([endedAt + 6 * DAY]);
      expect(d.workspaces.store.peek(key)?.deleteAt).toBe(iso(endedAt + 7 * DAY));
    });

    it('a deadline moved later by a use and give-back between fires is re-armed, not deleted', async () => {
      await sessionThatEnded(d);
      const [first] = d.scheduler.armedForWorkspaces();
      // Used and given back within the hour: the first schedule stays named (lazy), the deadline moves.
      d.clock.advance(HOUR);
      await sessionThatEnded(d);

      d.clock.set(first?.fireAt ?? 0);
      expect((await expireWorkspace(d, d.scheduler.fireWorkspace(first?.scheduleName ?? ''))).outcome).toBe('rearmed');

      expect(d.workspaces.store.peek(key)?.state).toBe('saved');
      expect(d.events.ofType('Workspace Expiring')).toEqual([]);
    });

    it('a failed removal leaves the record deleting; the retried fire finishes it', async () => {
      await sessionThatEnded(d);
      d.workspaces.store.seed({ ...(d.workspaces.store.peek(key) ?? fail('no workspace')), warnedFor: d.workspaces.store.peek(key)?.deleteAt ?? '' });
      const [armed] = d.scheduler.armedForWorkspaces();
      d.clock.advance(8 * DAY);
      d.workspaces.volumes.failures.failNext('remove', throttled());
      const fire = d.scheduler.fireWorkspace(armed?.scheduleName ?? '');

      expect(await caught(expireWorkspace(d, fire))).toBeDefined();
      expect(d.workspaces.store.peek(key)?.state).toBe('deleting');
      expect((await expireWorkspace(d, fire)).outcome).toBe('deleted');
      expect(d.workspaces.store.peek(key)).toBeUndefined();
    });

    it('a fire the record does not name is stale', async () => {
      await sessionThatEnded(d);

      const result = await expireWorkspace(d, { workspace: key, scheduleName: `${workspaceIdOf(OWNER, 'studio')}-9` });

      expect(result.outcome).toBe('stale');
      expect(d.workspaces.store.peek(key)?.state).toBe('saved');
    });
  });

  describe('saving through a snapshot (AWS)', () => {
    beforeEach(() => {
      d.workspaces.volumes.saveOutcome = { saved: false, snapshotId: 'snap-1', volumeId: 'vol-1' };
    });

    it('a stopped session starts a snapshot; its success marks the workspace saved and discards the volume', async () => {
      await sessionThatEnded(d);
      expect(d.workspaces.store.peek(key)).toMatchObject({ state: 'saving', pendingSnapshotId: 'snap-1', volumeId: 'vol-1' });
      expect(await caught(createSession(d, { ownerId: OWNER, profile: 'studio' }))).toBeInstanceOf(ConflictError);

      const result = await finishWorkspaceSave(d, { snapshotId: 'snap-1', succeeded: true });

      expect(result.outcome).toBe('saved');
      const saved = d.workspaces.store.peek(key);
      expect(saved).toMatchObject({ state: 'saved', snapshotId: 'snap-1', deleteAt: iso(d.clock.now() + 7 * DAY) });
      expect(saved).not.toHaveProperty('pendingSnapshotId');
      expect(d.workspaces.volumes.discarded).toEqual([{ volumeId: 'vol-1' }]);
      expect(d.scheduler.armedForWorkspaces()).toHaveLength(1);
    });

    it('restores the latest snapshot into the next session, and discards the snapshot a newer one replaces', async () => {
      await sessionThatEnded(d);
      await finishWorkspaceSave(d, { snapshotId: 'snap-1', succeeded: true });

      const next = await runningSession(d, studio);
      expect(d.tasks.startCalls.at(-1)?.workspace?.snapshotId).toBe('snap-1');
      d.workspaces.volumes.saveOutcome = { saved: false, snapshotId: 'snap-2', volumeId: 'vol-2' };
      await terminateSession(d, { id: next.session.id, caller: { ownerId: OWNER, isAdmin: false } });
      await taskStopped(d, next);
      await finishWorkspaceSave(d, { snapshotId: 'snap-2', succeeded: true });

      expect(d.workspaces.store.peek(key)?.snapshotId).toBe('snap-2');
      expect(d.workspaces.volumes.discarded.at(-1)).toEqual({ volumeId: 'vol-2', snapshotId: 'snap-1' });
    });

    it('a failed snapshot is taken again, and only the new one\'s event finishes the save', async () => {
      await sessionThatEnded(d);
      d.workspaces.volumes.saveOutcome = { saved: false, snapshotId: 'snap-1b', volumeId: 'vol-1' };

      expect((await finishWorkspaceSave(d, { snapshotId: 'snap-1', succeeded: false })).outcome).toBe('retried');
      expect(d.workspaces.store.peek(key)).toMatchObject({ state: 'saving', pendingSnapshotId: 'snap-1b' });
      expect((await finishWorkspaceSave(d, { snapshotId: 'snap-1', succeeded: true })).outcome).toBe('stale');
      expect((await finishWorkspaceSave(d, { snapshotId: 'snap-1b', succeeded: true })).outcome).toBe('saved');
      expect(d.workspaces.store.peek(key)?.snapshotId).toBe('snap-1b');
    });

    it('ignores a snapshot that is not a workspace\'s', async () => {
      expect((await finishWorkspaceSave(d, { snapshotId: 'snap-someone-elses', succeeded: true })).outcome).toBe('not_ours');
    });
  });

  describe('the sweep (AWS leftovers)', () => {
    const old = (resource: { kind: 'volume' | 'snapshot'; id: string; sessionId?: string }, ownerId = OWNER) => ({
      ...resource,
      owner: { ownerId, profile: 'studio' },
      createdAt: d.clock.now() - 2 * HOUR,
    });

    it('deletes a volume and a snapshot no record names, and keeps what a workspace still needs', async () => {
      d.workspaces.volumes.saveOutcome = { saved: false, snapshotId: 'snap-1', volumeId: 'vol-1' };
      const ended = await sessionThatEnded(d);
      d.clock.advance(2 * HOUR);
      d.workspaces.volumes.resources = [
        old({ kind: 'volume', id: 'vol-1', sessionId: ended.session.id }), // still being snapshotted
        old({ kind: 'snapshot', id: 'snap-1' }), // the pending snapshot
        old({ kind: 'snapshot', id: 'snap-0' }), // a replaced one whose discard failed
        old({ kind: 'volume', id: 'vol-x', sessionId: 'gone' }, 'bob'), // bob has no workspace any more
        { ...old({ kind: 'volume', id: 'vol-young' }, 'bob'), createdAt: d.clock.now() - MINUTE },
      ];

      const report = await sweep(d, { dryRun: false });

      expect(report.orphans.map((o) => o.action).sort()).toEqual(['delete_snapshot', 'delete_volume']);
      expect(d.workspaces.volumes.discarded).toEqual(expect.arrayContaining([{ snapshotId: 'snap-0' }, { volumeId: 'vol-x' }]));
      expect(d.workspaces.volumes.discarded).toHaveLength(2);
    });

    it('keeps the volume of the session that has the workspace', async () => {
      const { session } = await runningSession(d, studio);
      d.clock.advance(2 * HOUR);
      d.workspaces.volumes.resources = [old({ kind: 'volume', id: 'vol-live', sessionId: session.id })];

      const report = await sweep(d, { dryRun: true });

      expect(report.orphans).toEqual([]);
    });
  });

  describe('listing and deleting', () => {
    it('lists the caller\'s own workspaces; an admin may list another owner\'s, a user may not', async () => {
      await sessionThatEnded(d);

      expect((await listWorkspaces(d, { caller: { ownerId: OWNER, isAdmin: false } })).map((w) => w.state)).toEqual(['saved']);
      expect(await listWorkspaces(d, { caller: { ownerId: 'bob', isAdmin: false } })).toEqual([]);
      expect(await listWorkspaces(d, { caller: { ownerId: 'root', isAdmin: true }, ownerId: OWNER })).toHaveLength(1);
      expect(await caught(listWorkspaces(d, { caller: { ownerId: 'bob', isAdmin: false }, ownerId: OWNER }))).toBeInstanceOf(NotFoundError);
    });

    it('deletes a saved workspace at once, disarming its schedule', async () => {
      await sessionThatEnded(d);
      const [armed] = d.scheduler.armedForWorkspaces();

      await deleteWorkspace(d, key);

      expect(d.workspaces.store.peek(key)).toBeUndefined();
      expect(d.scheduler.disarmCalls).toContain(armed?.scheduleName);
      expect(d.events.ofType('Workspace Deleted').map((e) => e.detail.reason)).toEqual(['owner_request']);
    });

    it('refuses with 409 while a session uses it, and 404 for one that does not exist', async () => {
      await runningSession(d, studio);

      expect(await caught(deleteWorkspace(d, key))).toBeInstanceOf(ConflictError);
      expect(await caught(deleteWorkspace(d, { ownerId: 'bob', profile: 'studio' }))).toBeInstanceOf(NotFoundError);
      expect(d.workspaces.store.peek(key)?.state).toBe('in_use');
    });
  });
});

const fail = (message: string): never => {
  throw new Error(message);
};
