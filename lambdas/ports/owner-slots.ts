// The per-owner live-session limits as slots a session claims before it is written and gives back
// when it ends (see use-cases/owner-slots). Slots come in pools, one per owner and profile: a
// profile's maxSessionsPerOwner counts only that profile's sessions (README, Profiles). The
// DynamoDB adapter keeps one item per pool in the Idempotency table; use cases see only this.

/** Whose slots: one owner's, for one profile. */
export interface SlotPool {
  ownerId: string;
  profile: string;
}

/** A session holding one of its pool's live-session slots. */
export interface OwnerSlot {
  sessionId: string;
  /** Epoch milliseconds of the claim (a claim whose session was never written is stale after a while). */
  claimedAtMs: number;
}

export interface OwnerSlots {
  /**
   * Takes one of the pool's `max` live-session slots for the session, in one conditional write:
   * `false` when `max` sessions hold one. A session that holds a slot may claim again (true; the
   * claim time moves to `nowMs`), so a retry never takes a second slot. Not index-based: strongly
   * consistent, so concurrent claims can never exceed `max`.
   */
  claim(pool: SlotPool, sessionId: string, max: number, nowMs: number): Promise<boolean>;
  /** The sessions holding the pool's slots, oldest claim first, read consistently. */
  holders(pool: SlotPool): Promise<OwnerSlot[]>;
  /**
   * Gives the session's slot back; a no-op when it holds none. With `ifClaimedAtMs`, only if the
   * claim is still that one (taking over a stale slot must not remove a claim renewed meanwhile).
   */
  release(pool: SlotPool, sessionId: string, ifClaimedAtMs?: number): Promise<void>;
}
