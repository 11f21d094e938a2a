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
  /** Counts by status over the whole table (admin stats; a Scan, so not on any hot path). */
  countByStatus(): Promise<StatusCounts>;
}
