// Where sessions live. The DynamoDB adapter implements it (against AWS or dynalite); use cases see
// only this. Every write is conditional; a failed condition returns the current item, never throws.
import { type EndReason, type Session, type SessionStatus } from '../domain/session';

/** The statuses a session ends in. */
export type EndedStatus = Extract<SessionStatus, 'stopped' | 'failed'>;

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

/** The end of a session, as the ended-session counters count it. */
export interface CountedEnd {
  status: EndedStatus;
  reason: EndReason;
  /** ISO time of the end. */
  at: string;
}

/** Sessions that ended since counting began, by status and by reason (zero included). */
export interface EndedCounts {
  byStatus: Record<EndedStatus, number>;
  byEndReason: Record<EndReason, number>;
  /** ISO time of the first end counted; absent while none has been. */
  since?: string;
}

export interface SessionStore {
  /** Writes a new session; `false` if one with the same id exists. */
  create(session: Session): Promise<boolean>;
  get(id: string): Promise<Session | undefined>;
  /** One conditional UpdateItem: applies the patch, increments `version`, keeps index attributes in step. */
  update(id: string, patch: SessionPatch, expect: WriteExpectation): Promise<WriteResult>;
  /**
   * Newest first. `nextToken` is opaque and bound to the owner and the filter: any other token is a
   * ValidationError. A filtered page reads a bounded part of the owner's history, so it may hold
   * fewer than `limit` sessions (even none) and still carry a `nextToken`; only its absence means the end.
   */
  listByOwner(ownerId: string, opts: { status: StatusFilter; limit: number; nextToken?: string }): Promise<Page<Session>>;
  /** Live sessions whose `expiresAt` is at or before `epochMs`, across all `byDeadline` shards. */
  listDue(epochMs: number): Promise<Session[]>;
  /** Every live session (starting, running, stopping), from the `byDeadline` index. */
  listLive(): Promise<Session[]>;
  /** Counts one end (once per session: the caller is the winner of the write that ended it). */
  countEnded(end: CountedEnd): Promise<void>;
  /** The ended-session counters: one read, whatever the size of the history. */
  endedCounts(): Promise<EndedCounts>;
}
