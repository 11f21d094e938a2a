// List the caller's own sessions.
// Primary course: one page of the owner's sessions, newest first, filtered by live/ended/all, with
// an opaque token for the next page.
import { type Session } from '../domain/session';
import { type StatusFilter } from '../ports/session-store';
import { type UseCaseDeps } from './use-case-deps';

export interface ListSessionsInput {
  ownerId: string;
  status: StatusFilter;
  limit: number;
  nextToken?: string;
}

export const listSessions = async (deps: Pick<UseCaseDeps, 'store'>, input: ListSessionsInput): Promise<{ sessions: Session[]; nextToken?: string }> => {
  const page = await deps.store.listByOwner(input.ownerId, {
    status: input.status,
    limit: input.limit,
    ...(input.nextToken !== undefined && { nextToken: input.nextToken }),
  });
  return { sessions: page.items, ...(page.nextToken !== undefined && { nextToken: page.nextToken }) };
};
