// Where sessions live. The DynamoDB adapter implements it (against AWS or dynalite); use cases see
// only this. Every write is conditional; a failed condition returns the current item, never throws.
import { type Session, type SessionStatus } from '../domain/session';

/** Fields to set; `null` removes the attribute. `version` is managed by the store. */
export type SessionPatch = { [K in Exclude<keyof Session, 'id' | 'version'>]?: Session[K] | null };

/** What must hold for a write to happen. Omitted parts are not checked. */
export interface WriteExpectation {
  statusIn?: readonly SessionStatus[];
  ownerId?: string;
  version?: number;
  /** The schedule name currently on the record (`null`: no schedule armed). */
  scheduleName?: string | null;
}

export type WriteResult =
  | { ok: true; session: Session }
  /** The condition failed: `current` is the item as it is (undefined when it does not exist). */
  | { ok: false; current: Session | undefined };

export type StatusFilter = 'live' | 'ended' | 'all';

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export interface StatusCounts {
  byStatus: Record<SessionStatus, number>;
}

/** An idempotency record: a client key, claimed once, pointing at the session it created. */
export interface IdempotencyRecord {
  key: string;
  sessionId: string;
  requestHash: string;
  /** Epoch seconds after which the key may be used again. */
  expiresAtEpoch: number;
}

/** A session holding one of its owner's live-session slots (the per-owner limit). */
export interface OwnerSlot {
  sessionId: string;
  /** Epoch milliseconds of the claim (a claim whose session was never written is stale after a while). */
  claimedAtMs: number;
}

export interface SessionStore {
  /** Writes a new session; `false` if one with the same id exists. */
  create(session: Session): Promise<boolean>;
  get(id: string): Promise<Session | undefined>;
  /** One conditional UpdateItem: applies the patch, increments `version`, keeps index attributes in step. */
  update(id: string, patch: SessionPatch, expect: WriteExpectation): Promise<WriteResult>;
  /** Newest first. `nextToken` is opaque. */
  listByOwner(ownerId: string, opts: { status: StatusFilter; limit: number; nextToken?: string }): Promise<Page<Session>>;
  /** Live sessions whose `expiresAt` is at or before `epochMs`, across all `byDeadline` shards. */
  listDue(epochMs: number): Promise<Session[]>;
  /** Every live session (starting, running, stopping), from the `byDeadline` index. */
  listLive(): Promise<Session[]>;
  /**
   * Takes one of the owner's `max` live-session slots for the session, in one conditional write:
   * `false` when `max` sessions hold one. A session that holds a slot may claim again (true; the
   * claim time moves to `nowMs`), so a retry never takes a second slot. Not index-based: strongly
   * consistent, so concurrent claims can never exceed `max`.
   */
  claimOwnerSlot(ownerId: string, sessionId: string, max: number, nowMs: number): Promise<boolean>;
  /** The sessions holding the owner's slots, read consistently. */
  ownerSlots(ownerId: string): Promise<OwnerSlot[]>;
  /**
   * Gives the session's slot back; a no-op when it holds none. With `ifClaimedAtMs`, only if the
   * claim is still that one (taking over a stale slot must not remove a claim renewed meanwhile).
   */
  releaseOwnerSlot(ownerId: string, sessionId: string, ifClaimedAtMs?: number): Promise<void>;
  /** Counts by status over the whole table (admin stats; a Scan, so not on any hot path). */
  countByStatus(): Promise<StatusCounts>;
  /** Claims a key; returns the existing unexpired record when it is already claimed. */
  claimIdempotencyKey(record: IdempotencyRecord, nowEpochSeconds: number): Promise<{ claimed: true } | { claimed: false; existing: IdempotencyRecord }>;
}
