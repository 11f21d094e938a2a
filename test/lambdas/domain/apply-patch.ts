// What a store does with a deadline patch, for the domain tests that chain heartbeats and extends
// without a store: set the fields, remove `disconnectedAt` on null, bump the version.
import { type DeadlinePatch } from '../../../lambdas/domain/deadline-policy';
import { type Session } from '../../../lambdas/domain/session';

export const applyPatch = (session: Session, patch: DeadlinePatch | undefined): Session => {
  if (patch === undefined) return session;
  const { disconnectedAt, ...fields } = patch;
  const next: Session = { ...session, ...fields, version: session.version + 1 };
  if (disconnectedAt === null) delete next.disconnectedAt;
  else if (disconnectedAt !== undefined) next.disconnectedAt = disconnectedAt;
  return next;
};
