// A SessionStore in memory for use-case tests. It keeps the port's contract exactly (conditional
// writes that bump `version` and answer a failed condition with the current item), so races can be
// staged deterministically; fakes.test.ts runs the same cases against it and the DynamoDB adapter.
import { type KeyShape, decodePageToken, encodePageToken } from '../../lambdas/adapters/dynamodb/pagination-token';
import { ValidationError } from '../../lambdas/domain/errors';
import { type Session, type SessionStatus, END_REASONS, ENDED_STATUSES, LIVE_STATUSES, SESSION_STATUSES, ms } from '../../lambdas/domain/session';
import {
  type CountedEnd,
  type EndedCounts,
  type Page,
  type SessionPatch,
  type SessionStore,
  type StatusFilter,
  type WriteExpectation,
  type WriteResult,
} from '../../lambdas/ports/session-store';
import { FailurePlan } from './failure-plan';

type StoreOp =
  | 'create'
  | 'get'
  | 'update'
  | 'listByOwner'
  | 'listDue'
  | 'listLive'
  | 'countEnded'
  | 'endedCounts';

/** The fake's resume position: an offset into the owner's filtered sessions. */
const OFFSET_KEY: KeyShape = { offset: 'integer' };

/** A SessionStore in memory. Each call is atomic (no await inside), like one DynamoDB request. */
export class InMemorySessionStore implements SessionStore {
  readonly sessions = new Map<string, Session>();
  readonly failures = new FailurePlan<StoreOp>();
  /** The ends counted, in order. */
  readonly counted: CountedEnd[] = [];
  /** Every update call, in order (also the ones whose condition failed). */
  readonly updates: { id: string; patch: SessionPatch; expect: WriteExpectation; ok: boolean }[] = [];
  /**
   * Runs before an update is applied and may change the store: how a test stages a concurrent
   * writer landing between a use case's read and its write.
   */
  beforeUpdate?: (id: string, patch: SessionPatch, expect: WriteExpectation) => void | Promise<void>;

  /** Puts a session as it is (test setup); returns it. */
  seed(session: Session): Session {
    this.sessions.set(session.id, structuredClone(session));
    return session;
  }

  /** The stored session; throws if there is none (test assertions). */
  peek(id: string): Session {
    const session = this.sessions.get(id);
    if (session === undefined) throw new Error(`no session ${id}`);
    return structuredClone(session);
  }

  all(): Session[] {
    return [...this.sessions.values()].map((s) => structuredClone(s));
  }

  async create(session: Session): Promise<boolean> {
    await Promise.resolve();
    this.failures.check('create', session);
    if (this.sessions.has(session.id)) return false;
    this.sessions.set(session.id, structuredClone(session));
    return true;
  }

  async get(id: string): Promise<Session | undefined> {
    await Promise.resolve();
    this.failures.check('get', id);
    const session = this.sessions.get(id);
    return session === undefined ? undefined : structuredClone(session);
  }

  async update(id: string, patch: SessionPatch, expect: WriteExpectation): Promise<WriteResult> {
    await this.beforeUpdate?.(id, patch, expect);
    await Promise.resolve();
    this.failures.check('update', id, patch, expect);
    const current = this.sessions.get(id);
    const ok = current !== undefined && InMemorySessionStore.holds(current, expect);
    this.updates.push({ id, patch: structuredClone(patch), expect: structuredClone(expect), ok });
    if (!ok) return { ok: false, current: current === undefined ? undefined : structuredClone(current) };
    const next: Record<string, unknown> = { ...current };
    for (const [key, value] of Object.entries(patch)) {
      if (key === 'id' || key === 'version') throw new TypeError(`a patch may not set ${key}`);
      if (value === null) delete next[key];
      else if (value !== undefined) next[key] = structuredClone(value);
    }
    next.version = current.version + 1;
    this.sessions.set(id, next as unknown as Session);
    return { ok: true, session: structuredClone(next as unknown as Session) };
  }

  private static holds(s: Session, expect: WriteExpectation): boolean {
    if (expect.statusIn !== undefined && !expect.statusIn.includes(s.status)) return false;
    if (expect.ownerId !== undefined && s.ownerId !== expect.ownerId) return false;
    if (expect.version !== undefined && s.version !== expect.version) return false;
    if (expect.scheduleName === null && s.scheduleName !== undefined) return false;
    if (typeof expect.scheduleName === 'string' && s.scheduleName !== expect.scheduleName) return false;
    return true;
  }

  async listByOwner(ownerId: string, opts: { status: StatusFilter; limit: number; nextToken?: string }): Promise<Page<Session>> {
    await Promise.resolve();
    this.failures.check('listByOwner', ownerId, opts);
    if (!Number.isInteger(opts.limit) || opts.limit < 1) throw new ValidationError('limit', 'limit must be a positive whole number');
    const wanted: readonly SessionStatus[] = opts.status === 'live' ? LIVE_STATUSES : opts.status === 'ended' ? ENDED_STATUSES : SESSION_STATUSES;
    const mine = [...this.sessions.values()]
      .filter((s) => s.ownerId === ownerId && wanted.includes(s.status))
      .sort((a, b) => ms(b.createdAt) - ms(a.createdAt) || (a.id < b.id ? 1 : -1));
    // The same binding as the DynamoDB store's tokens: another owner's or another filter's token is refused.
    const scope = JSON.stringify([ownerId, opts.status]);
    const start = opts.nextToken === undefined ? 0 : Number(decodePageToken(opts.nextToken, OFFSET_KEY, scope).offset);
    const items = mine.slice(start, start + opts.limit).map((s) => structuredClone(s));
    const end = start + items.length;
    return { items, ...(end < mine.length && { nextToken: encodePageToken({ offset: end }, scope) }) };
  }

  async listDue(epochMs: number): Promise<Session[]> {
    await Promise.resolve();
    this.failures.check('listDue', epochMs);
    return this.live().filter((s) => ms(s.expiresAt) <= epochMs);
  }

  async listLive(): Promise<Session[]> {
    await Promise.resolve();
    this.failures.check('listLive');
    return this.live();
  }

  private live(): Session[] {
    return [...this.sessions.values()]
      .filter((s) => LIVE_STATUSES.includes(s.status))
      .sort((a, b) => ms(a.expiresAt) - ms(b.expiresAt))
      .map((s) => structuredClone(s));
  }

  async countEnded(end: CountedEnd): Promise<void> {
    await Promise.resolve();
    this.failures.check('countEnded', end);
    this.counted.push(structuredClone(end));
  }

  async endedCounts(): Promise<EndedCounts> {
    await Promise.resolve();
    this.failures.check('endedCounts');
    const byStatus = Object.fromEntries(ENDED_STATUSES.map((s) => [s, 0])) as EndedCounts['byStatus'];
    const byEndReason = Object.fromEntries(END_REASONS.map((r) => [r, 0])) as EndedCounts['byEndReason'];
    for (const end of this.counted) {
      byStatus[end.status] += 1;
      byEndReason[end.reason] += 1;
    }
    const since = this.counted[0]?.at;
    return { byStatus, byEndReason, ...(since !== undefined && { since }) };
  }
}
