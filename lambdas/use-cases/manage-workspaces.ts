// An owner's workspaces (README "Workspaces"): listing them (an admin may list anyone's), and
// deleting one before its retention ends. Deleting wins `saved → deleting` in one conditional write,
// so it never races a session taking the workspace: a workspace in use (or still being saved) is
// refused with 409, and a session created after the write finds no workspace or a new one.
import { type Caller } from '../domain/caller';
import { ConflictError, NotFoundError } from '../domain/errors';
import { type Workspace } from '../domain/workspace';
import { type UseCaseDeps } from './use-case-deps';
import { finishDeletion } from './expire-workspace';
import { disarmWorkspaceQuietly } from './workspace-schedule';

/** The owner's workspaces: the caller's own, or (admins only) `ownerId`'s. Another's, asked by a non-admin: 404. */
export const listWorkspaces = async (
  deps: Pick<UseCaseDeps, 'workspaces'>,
  input: { caller: Caller; ownerId?: string },
): Promise<Workspace[]> => {
  const ownerId = input.ownerId ?? input.caller.ownerId;
  if (ownerId !== input.caller.ownerId && !input.caller.isAdmin) throw new NotFoundError('not found');
  return (await deps.workspaces?.store.listByOwner(ownerId)) ?? [];
};

/** Retries when the record changed between our read and our write (a give-back landing). */
const MAX_ATTEMPTS = 5;

export const deleteWorkspace = async (
  deps: Pick<UseCaseDeps, 'workspaces' | 'events' | 'scheduler' | 'clock' | 'log' | 'metrics'>,
  input: { ownerId: string; profile: string },
): Promise<Workspace> => {
  const { workspaces } = deps;
  if (workspaces === undefined) throw new NotFoundError('workspace not found');
  const d = { ...deps, workspaces };
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const current = await workspaces.store.get(input);
    if (current === undefined) throw new NotFoundError('workspace not found');
    if (current.state === 'in_use' || current.state === 'saving') {
      throw new ConflictError('workspace: a session of yours is using it; end that session first');
    }
    let deleting = current;
    if (current.state === 'saved') {
      const won = await workspaces.store.update(current, { state: 'deleting' }, { version: current.version, stateIn: ['saved'] });
      if (!won.ok) continue;
      deleting = won.workspace;
    }
    await finishDeletion(d, deleting, 'owner_request');
    await disarmWorkspaceQuietly(deps, deleting.scheduleName);
    return deleting;
  }
  throw new ConflictError('workspace: it changed too often to delete it; try again');
};
