// The per-owner live-session limit of each profile (profile.maxSessionsPerOwner counts only that
// profile's sessions: README, Profiles). Counting live sessions on the `byOwner` index and then
// writing was a race: the index is eventually consistent and the count and the write were two
// steps, so creates arriving together all passed. Instead a create takes one of the owner's slots
// for the profile in a single strongly consistent conditional write before it writes its session,
// and the session gives the slot back when it ends. No transaction repairs a lost give-back (a
// crash, a throttle): a create that finds every slot taken checks the holders and takes over the
// slots of sessions that have ended, or that were never written.
import { type Session, isEnded } from '../domain/session';
import { type OwnerSlot, type SlotPool } from '../ports/owner-slots';
import { type UseCaseDeps } from './use-case-deps';

/**
 * How long a slot may be held for a session that does not exist. A create writes its session right
 * after claiming, so a claim this old without a record was left by a create that failed in between.
 * Far longer than a create runs (the API function times out after 15 s).
 */
export const UNWRITTEN_CLAIM_GRACE_MS = 2 * 60_000;

/** The slots, and the sessions they are held for (to tell a stale slot from a live one). */
export type TakeOwnerSlotDeps = Pick<UseCaseDeps, 'ownerSlots' | 'store' | 'clock' | 'log'>;

/** The pool a session's slot is in: its owner's, for its profile. */
export const slotPoolOf = (session: Pick<Session, 'ownerId' | 'profile'>): SlotPool => ({ ownerId: session.ownerId, profile: session.profile });

/** Takes one of the pool's `max` slots for the session (or keeps the one it holds); `false` when all are held by live sessions. */
export const takeOwnerSlot = async (deps: TakeOwnerSlotDeps, pool: SlotPool, sessionId: string, max: number): Promise<boolean> => {
  if (await deps.ownerSlots.claim(pool, sessionId, max, deps.clock.now())) return true;
  const stale = await staleSlots(deps, pool, sessionId);
  if (stale.length === 0) return false;
  deps.log.warn('taking over owner slots that were not given back', { sessionId, staleSessionIds: stale.map((s) => s.sessionId).join(',') });
  // Conditional on the claim time seen: a claim renewed meanwhile (a retry of that create) stays.
  await Promise.all(stale.map((slot) => deps.ownerSlots.release(pool, slot.sessionId, slot.claimedAtMs)));
  // Concurrent creates may free the same stale slots: the claim decides who gets them.
  return deps.ownerSlots.claim(pool, sessionId, max, deps.clock.now());
};

/** Slots whose session has ended, or was claimed long ago and never written. */
const staleSlots = async (deps: TakeOwnerSlotDeps, pool: SlotPool, sessionId: string): Promise<OwnerSlot[]> => {
  const slots = (await deps.ownerSlots.holders(pool)).filter((slot) => slot.sessionId !== sessionId);
  const holders = await Promise.all(slots.map((slot) => deps.store.get(slot.sessionId)));
  const now = deps.clock.now();
  return slots.filter((slot, i) => {
    const holder = holders[i];
    return holder === undefined ? now - slot.claimedAtMs > UNWRITTEN_CLAIM_GRACE_MS : isEnded(holder.status);
  });
};

/**
 * Gives an ended session's slot back. Best-effort: a failure is logged, not thrown. A lost release
 * is harmless: the next create that finds the owner at the limit sees the session ended and takes
 * the slot over (takeOwnerSlot).
 */
export const releaseOwnerSlotQuietly = async (deps: Pick<UseCaseDeps, 'ownerSlots' | 'log'>, session: Pick<Session, 'id' | 'ownerId' | 'profile'>): Promise<void> => {
  try {
    await deps.ownerSlots.release(slotPoolOf(session), session.id);
  } catch (error) {
    deps.log.warn('could not give back the owner slot of an ended session; the next create at the limit takes it over', {
      sessionId: session.id,
      error: String(error),
    });
  }
};
