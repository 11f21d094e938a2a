// The DynamoDB session store against dynalite: conditional writes, the derived index/TTL attributes,
// the owner listing, the deadline index across shards and counts.
import { BatchWriteCommand, type DynamoDBDocumentClient, GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbSessionStore, MAX_QUERIES_PER_LISTING } from '../../../../lambdas/adapters/dynamodb/dynamodb-session-store';
import { toItem } from '../../../../lambdas/adapters/dynamodb/session-item';
import { createTables } from '../../../../local/dynamodb/create-tables';
import { MAX_DEADLINE_SHARDS, liveShardOf } from '../../../../contract/table-definitions';
import { ValidationError } from '../../../../lambdas/domain/errors';
import { END_REASONS, LIVE_STATUSES, type Session, type SessionStatus, iso, ms } from '../../../../lambdas/domain/session';
import { type SessionStore, type WriteResult } from '../../../../lambdas/ports/session-store';
import { type DynaliteHandle, startDynalite } from '../../../support/dynalite';
import { recordingClient } from '../../../support/recorded-requests';
import { openTabs, sessionFixture } from '../../../support/session-fixture';
import { T0 } from '../../../support/time';

const SHARDS = 4;

/** A nextToken as the store issues it, decoded. */
interface TokenBody {
  v: number;
  s: string;
  k: Record<string, string>;
}
const RETENTION_DAYS = 30;
const DAY_SECONDS = 86_400;

let db: DynaliteHandle;
let store: DynamoDbSessionStore;

beforeAll(async () => {
  db = await startDynalite();
  store = new DynamoDbSessionStore({ client: db.doc, tableName: db.tables.sessions, shardCount: SHARDS, retentionDays: RETENTION_DAYS });
});

afterAll(async () => {
  await db?.stop();
});

/** A Sessions table of its own, for the operations that read the whole table or index. */
const freshTable = async (): Promise<string> => {
  const suffix = randomUUID().slice(0, 8);
  const tables = { sessions: `sessions-${suffix}`, idempotency: `idempotency-${suffix}`, workspaces: `workspaces-${suffix}` };
  await createTables(db.client, tables, { pollMs: 10 });
  return tables.sessions;
};

const storeOn = (tableName: string, shardCount = SHARDS, client: DynamoDBDocumentClient = db.doc): DynamoDbSessionStore =>
  new DynamoDbSessionStore({ client, tableName, shardCount, retentionDays: RETENTION_DAYS });

/** A store on tables of its own. */
const freshStore = async (): Promise<DynamoDbSessionStore> => storeOn(await freshTable());

/** Writes many sessions fast (BatchWriteItem, as the store would lay them out): test setup only. */
const putAll = async (tableName: string, sessions: readonly Session[]): Promise<void> => {
  const batches: Session[][] = [];
  for (let i = 0; i < sessions.length; i += 25) batches.push(sessions.slice(i, i + 25));
  await Promise.all(
    batches.map(async (batch) => {
      let requests = batch.map((s) => ({ PutRequest: { Item: toItem(s, { shardCount: SHARDS, retentionDays: RETENTION_DAYS }) } }));
      while (requests.length > 0) {
        const { UnprocessedItems } = await db.doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
      }
    }),
  );
};

const rawItem = async (id: string): Promise<Record<string, unknown> | undefined> =>
  (await db.doc.send(new GetCommand({ TableName: db.tables.sessions, Key: { sessionId: id }, ConsistentRead: true }))).Item;

const stored = async (overrides: Partial<Session> = {}, into: SessionStore = store): Promise<Session> => {
  const session = sessionFixture({ createdAt: iso(T0), ...overrides });
  expect(await into.create(session)).toBe(true);
  return session;
};

const expectFailed = (result: WriteResult): Session | undefined => {
  if (result.ok) throw new Error('expected the conditional write to fail');
  return result.current;
};

const expectOk = (result: WriteResult): Session => {
  if (!result.ok) throw new Error('expected the conditional write to succeed');
  return result.session;
};

describe('create and get', () => {
  it('reads back exactly the session it wrote', async () => {
    const session = sessionFixture({ metadata: { course: 'cs101' }, disconnectedAt: iso(T0), taskArn: 'arn:task/1' });

    expect(await store.create(session)).toBe(true);

    expect(await store.get(session.id)).toEqual(session);
  });

  it('refuses a second session with the same id and keeps the first', async () => {
    const first = await stored();

    const created = await store.create({ ...first, ownerId: 'intruder' });

    expect(created).toBe(false);
    expect(await store.get(first.id)).toEqual(first);
  });

  it('answers undefined for an unknown id', async () => {
    expect(await store.get(randomUUID())).toBeUndefined();
  });

  it('files a live session in its deadline shard, never to be purged', async () => {
    const session = await stored({ expiresAt: '2026-03-10T12:15:00.001Z' });

    const item = await rawItem(session.id);

    expect(item).toMatchObject({
      sessionId: session.id,
      liveShard: liveShardOf(session.id, SHARDS),
      expiresAtEpoch: Math.ceil(Date.parse('2026-03-10T12:15:00.001Z') / 1000),
    });
    expect(item).not.toHaveProperty('purgeAt');
    expect(item).not.toHaveProperty('id');
  });

  it('gives an ended session a purge time and no deadline shard', async () => {
    const session = await stored({ status: 'stopped', endedAt: iso(T0) });

    const item = await rawItem(session.id);

    expect(item).not.toHaveProperty('liveShard');
    expect(item).toMatchObject({ purgeAt: T0 / 1000 + RETENTION_DAYS * DAY_SECONDS });
  });
});

describe('update', () => {
  it('applies the patch, increments the version and returns the new session', async () => {
    const session = await stored();

    const result = await store.update(session.id, { openConnections: openTabs(2, T0), metadata: { a: 'b' } }, { statusIn: ['running'], version: 1 });

    const expected = { ...session, openConnections: openTabs(2, T0), metadata: { a: 'b' }, version: 2 };
    expect(expectOk(result)).toEqual(expected);
    expect(await store.get(session.id)).toEqual(expected);
  });

  it('keeps the open connections as a map, an empty one included', async () => {
    const session = await stored({ openConnections: { 'tab-a': iso(T0), 'kernel.1_x-y': iso(T0 + 1000) } });
    expect(await store.get(session.id)).toEqual(session);

    const closed = expectOk(await store.update(session.id, { openConnections: {} }, { version: 1 }));

    expect(closed.openConnections).toEqual({});
    expect(await rawItem(session.id)).toMatchObject({ openConnections: {} });
  });

  it('reads an item from before connection ids (a bare count) as having none open, and drops the count on the next connection write', async () => {
    const session = await stored();
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tables.sessions,
        Key: { sessionId: session.id },
        UpdateExpression: 'SET #count = :two REMOVE #open',
        ExpressionAttributeNames: { '#count': 'connections', '#open': 'openConnections' },
        ExpressionAttributeValues: { ':two': 2 },
      }),
    );

    const legacy = await store.get(session.id);
    expect(legacy?.openConnections).toEqual({});
    expect(legacy).not.toHaveProperty('connections');

    expectOk(await store.update(session.id, { openConnections: { 'tab-a': iso(T0) } }, {}));
    expect(await rawItem(session.id)).not.toHaveProperty('connections');
  });

  it('removes attributes patched with null and leaves undefined ones alone', async () => {
    const session = await stored({ disconnectedAt: iso(T0), taskArn: 'arn:task/2' });

    const updated = expectOk(await store.update(session.id, { disconnectedAt: null, scheduleName: null, taskArn: undefined }, {}));

    expect(updated).not.toHaveProperty('disconnectedAt');
    expect(updated).not.toHaveProperty('scheduleName');
    expect(updated.taskArn).toBe('arn:task/2');
  });

  it('moves the index deadline with expiresAt', async () => {
    const session = await stored();
    const later = '2026-03-10T13:00:00.500Z';

    await store.update(session.id, { expiresAt: later }, {});

    expect(await rawItem(session.id)).toMatchObject({ expiresAtEpoch: Math.ceil(Date.parse(later) / 1000) });
  });

  it.each(['stopped', 'failed'] as const)('leaves the deadline index and sets the purge time when the session becomes %s', async (status) => {
    const session = await stored();
    const endedAt = iso(T0 + 60_000);

    const updated = expectOk(await store.update(session.id, { status, endedAt, endReason: 'user_request' }, { statusIn: ['running'] }));

    expect(updated).toMatchObject({ status, endedAt, version: 2 });
    const item = await rawItem(session.id);
    expect(item).not.toHaveProperty('liveShard');
    expect(item).toMatchObject({ purgeAt: (T0 + 60_000) / 1000 + RETENTION_DAYS * DAY_SECONDS });
  });

  it('keeps a session in the deadline index while it is stopping', async () => {
    const session = await stored();

    await store.update(session.id, { status: 'stopping', stopRequestedAt: iso(T0) }, { statusIn: ['running'] });

    expect(await rawItem(session.id)).toMatchObject({ liveShard: liveShardOf(session.id, SHARDS) });
  });

  it('does not write and returns the current session when the status is not expected', async () => {
    const session = await stored({ status: 'stopping' });

    const result = await store.update(session.id, { status: 'stopping', endReason: 'idle_timeout' }, { statusIn: ['starting', 'running'] });

    expect(expectFailed(result)).toEqual(session);
    expect(await store.get(session.id)).toEqual(session);
  });

  it('does not let another owner write', async () => {
    const session = await stored({ ownerId: 'alice' });

    const result = await store.update(session.id, { openConnections: openTabs(1, T0) }, { ownerId: 'mallory' });

    expect(expectFailed(result)).toEqual(session);
  });

  it('does not write over a newer version', async () => {
    const session = await stored();
    await store.update(session.id, { openConnections: openTabs(1, T0) }, {});

    const result = await store.update(session.id, { openConnections: openTabs(5, T0) }, { version: 1 });

    expect(expectFailed(result)).toMatchObject({ openConnections: openTabs(1, T0), version: 2 });
  });

  it('does not act on a stale schedule', async () => {
    const session = await stored({ scheduleName: 'sched-2' });

    const stale = await store.update(session.id, { warnedAt: iso(T0) }, { scheduleName: 'sched-1' });
    const current = await store.update(session.id, { warnedAt: iso(T0) }, { scheduleName: 'sched-2' });

    expect(expectFailed(stale)).toEqual(session);
    expect(expectOk(current).warnedAt).toBe(iso(T0));
  });

  it('can require that no schedule is armed', async () => {
    const armed = await stored({ scheduleName: 'sched-1' });
    const unarmed = await stored({ scheduleName: undefined });

    const onArmed = await store.update(armed.id, { scheduleName: 'sched-9' }, { scheduleName: null });
    const onUnarmed = await store.update(unarmed.id, { scheduleName: 'sched-9' }, { scheduleName: null });

    expect(expectFailed(onArmed)?.scheduleName).toBe('sched-1');
    expect(expectOk(onUnarmed).scheduleName).toBe('sched-9');
  });

  it('never creates a session that does not exist', async () => {
    const id = randomUUID();

    const result = await store.update(id, { openConnections: openTabs(1, T0) }, {});

    expect(result).toEqual({ ok: false, current: undefined });
    expect(await rawItem(id)).toBeUndefined();
  });

  it('refuses a patch of fields the store owns', async () => {
    const session = await stored();

    await expect(store.update(session.id, { version: 7 } as never, {})).rejects.toThrow(TypeError);
  });

  it('lets exactly one of two racing heartbeats win, and activity never moves backwards', async () => {
    const session = await stored();
    const early = T0 + 5_000;
    const late = T0 + 10_000;
    /** A heartbeat as the use case writes it: conditional on the version it read, retried on a lost race. */
    const heartbeat = async (atMs: number, readVersion: number): Promise<WriteResult> =>
      store.update(session.id, { lastActivityAt: iso(atMs) }, { statusIn: LIVE_STATUSES, version: readVersion });

    const [fromLate, fromEarly] = await Promise.all([heartbeat(late, 1), heartbeat(early, 1)]);

    const results = [fromLate, fromEarly];
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const loser = results.find((r) => !r.ok);
    const winner = results.find((r) => r.ok);
    const current = loser && expectFailed(loser);
    expect(current).toEqual(winner && expectOk(winner));
    // The loser re-applies its activity only if it is newer than what won.
    const loserAt = loser === fromLate ? late : early;
    if (current && loserAt > ms(current.lastActivityAt)) expectOk(await heartbeat(loserAt, current.version));
    expect((await store.get(session.id))?.lastActivityAt).toBe(iso(late));
  });
});

describe('listByOwner', () => {
  const ownerWith = async (statuses: readonly SessionStatus[]): Promise<{ ownerId: string; sessions: Session[] }> => {
    const ownerId = `owner-${randomUUID()}`;
    const sessions: Session[] = [];
    for (const [i, status] of statuses.entries()) {
      sessions.push(await stored({ ownerId, status, createdAt: iso(T0 + i * 1000) }));
    }
    await stored({ ownerId: `other-${randomUUID()}` });
    return { ownerId, sessions };
  };
  const newestFirst = (sessions: Session[]): string[] => [...sessions].sort((a, b) => ms(b.createdAt) - ms(a.createdAt)).map((s) => s.id);

  const allPages = async (ownerId: string, status: 'live' | 'ended' | 'all', limit: number): Promise<Session[][]> => {
    const pages: Session[][] = [];
    let nextToken: string | undefined;
    do {
      const page = await store.listByOwner(ownerId, { status, limit, ...(nextToken && { nextToken }) });
      pages.push(page.items);
      nextToken = page.nextToken;
    } while (nextToken && pages.length < 20);
    return pages;
  };

  it('pages through all of an owner\'s sessions, newest first, without duplicates', async () => {
    const { ownerId, sessions } = await ownerWith(Array<SessionStatus>(25).fill('running'));

    const pages = await allPages(ownerId, 'all', 10);

    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat().map((s) => s.id)).toEqual(newestFirst(sessions));
  });

  it('fills every page when filtering by live or ended', async () => {
    const statuses: SessionStatus[] = Array.from({ length: 25 }, (_, i) => (i % 3 === 0 ? 'stopped' : i % 3 === 1 ? 'running' : 'starting'));
    const { ownerId, sessions } = await ownerWith(statuses);
    const live = sessions.filter((s) => s.status !== 'stopped');
    const ended = sessions.filter((s) => s.status === 'stopped');

    const livePages = await allPages(ownerId, 'live', 5);
    const endedPages = await allPages(ownerId, 'ended', 4);

    expect(livePages.flat().map((s) => s.id)).toEqual(newestFirst(live));
    expect(livePages.slice(0, -1).every((p) => p.length === 5)).toBe(true);
    expect(endedPages.flat().map((s) => s.id)).toEqual(newestFirst(ended));
    expect(endedPages.slice(0, -1).every((p) => p.length === 4)).toBe(true);
  });

  it('answers an owner without sessions with an empty page and no token', async () => {
    expect(await store.listByOwner(`nobody-${randomUUID()}`, { status: 'all', limit: 10 })).toEqual({ items: [] });
  });

  it.each([
    ['not base64', '%%%'],
    ['not JSON', Buffer.from('{oops').toString('base64url')],
    ['the wrong shape', Buffer.from(JSON.stringify({ sessionId: 1 })).toString('base64url')],
    ['an array', Buffer.from('[]').toString('base64url')],
  ])('rejects a nextToken that is %s', async (_, nextToken) => {
    const error: unknown = await store.listByOwner('owner-1', { status: 'all', limit: 10, nextToken }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: 'nextToken' });
    expect((error as Error).message).not.toContain(nextToken);
  });

  const token = (body: unknown): string => Buffer.from(JSON.stringify(body)).toString('base64url');

  it.each([
    ['of another token version', (t: TokenBody) => ({ ...t, v: 2 })],
    ['with a key of numbers', (t: TokenBody) => ({ ...t, k: { sessionId: 1, createdAt: 2 } })],
    ['with a key attribute too many', (t: TokenBody) => ({ ...t, k: { ...t.k, ownerId: 'owner-x' } })],
    ['with a key attribute missing', (t: TokenBody) => ({ ...t, k: { sessionId: t.k.sessionId } })],
    ['with a creation time that is no ISO time', (t: TokenBody) => ({ ...t, k: { ...t.k, createdAt: 'yesterday' } })],
    ['with an id too long for a key', (t: TokenBody) => ({ ...t, k: { ...t.k, sessionId: 'x'.repeat(1200) } })],
    ['with an id that is not visible ASCII', (t: TokenBody) => ({ ...t, k: { ...t.k, sessionId: '\ud800' } })],
    ['with its scope digest changed', (t: TokenBody) => ({ ...t, s: 'A'.repeat(16) })],
    ['with a field more', (t: TokenBody) => ({ ...t, extra: true })],
  ])('rejects a token of its own listing %s', async (_, tamper) => {
    const { ownerId } = await ownerWith(['running', 'running']);
    const { nextToken } = await store.listByOwner(ownerId, { status: 'all', limit: 1 });
    const issued = JSON.parse(Buffer.from(nextToken ?? '', 'base64url').toString('utf8')) as TokenBody;

    const listing = store.listByOwner(ownerId, { status: 'all', limit: 1, nextToken: token(tamper(issued)) });

    await expect(listing).rejects.toBeInstanceOf(ValidationError);
  });

  it('rejects a nextToken issued for another filter', async () => {
    const { ownerId } = await ownerWith(['running', 'running', 'running']);
    const { nextToken } = await store.listByOwner(ownerId, { status: 'live', limit: 1 });

    const listing = store.listByOwner(ownerId, { status: 'ended', limit: 1, nextToken: nextToken ?? '' });

    await expect(listing).rejects.toMatchObject({ field: 'nextToken' });
  });

  it('names no owner in a token', async () => {
    const { ownerId } = await ownerWith(['running', 'running']);
    const { nextToken } = await store.listByOwner(ownerId, { status: 'all', limit: 1 });

    expect(Buffer.from(nextToken ?? '', 'base64url').toString('utf8')).not.toContain(ownerId);
  });

  it('rejects a nextToken issued for another owner', async () => {
    const { ownerId } = await ownerWith(['running', 'running', 'running']);
    const { nextToken } = await store.listByOwner(ownerId, { status: 'all', limit: 1 });

    const listing = store.listByOwner('someone-else', { status: 'all', limit: 1, nextToken: nextToken ?? '' });

    await expect(listing).rejects.toMatchObject({ field: 'nextToken' });
  });

  it('reads a bounded part of a long history per page, and its tokens lead to what is beyond', async () => {
    const table = await freshTable();
    const recording = recordingClient(db);
    const own = storeOn(table, SHARDS, recording.doc);
    const ownerId = `owner-${randomUUID()}`;
    // The one live session is the oldest: 2,000 ended ones are newer and come first.
    const live = await stored({ ownerId, createdAt: iso(T0) }, own);
    const history = Array.from({ length: 2000 }, (_, i) => sessionFixture({ ownerId, status: 'stopped', createdAt: iso(T0 + (i + 1) * 1000) }));
    await putAll(table, history);

    const queriesPerPage: number[] = [];
    const found: Session[] = [];
    let nextToken: string | undefined;
    do {
      const before = recording.requests.length;
      const page = await own.listByOwner(ownerId, { status: 'live', limit: 1, ...(nextToken !== undefined && { nextToken }) });
      queriesPerPage.push(recording.requests.slice(before).filter((r) => r.command === 'QueryCommand').length);
      found.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken !== undefined && queriesPerPage.length < 20);
    recording.destroy();

    expect(Math.max(...queriesPerPage)).toBeLessThanOrEqual(MAX_QUERIES_PER_LISTING);
    expect(queriesPerPage.length).toBeGreaterThan(1);
    expect(found.map((s) => s.id)).toEqual([live.id]);
  });

  it('rejects a limit below one', async () => {
    await expect(store.listByOwner('owner-1', { status: 'all', limit: 0 })).rejects.toMatchObject({ field: 'limit' });
  });
});

describe('the deadline index', () => {
  it('lists the due live sessions of every shard, and never an ended one', async () => {
    const own = await freshStore();
    const now = T0 + 3600_000;
    const due: Session[] = [];
    for (let i = 0; i < 24; i++) due.push(await stored({ id: randomUUID(), expiresAt: iso(now - i * 1000) }, own));
    const notYet = await stored({ expiresAt: iso(now + 60_000) }, own);
    const ended = await stored({ status: 'stopped', endedAt: iso(T0), expiresAt: iso(now - 5000) }, own);
    const endedLater = await stored({ expiresAt: iso(now - 5000) }, own);
    await own.update(endedLater.id, { status: 'failed', endedAt: iso(T0), endReason: 'start_failed' }, {});
    expect(new Set(due.map((s) => liveShardOf(s.id, SHARDS))).size).toBe(SHARDS);

    const listed = await own.listDue(now);

    expect(listed.map((s) => s.id).sort()).toEqual(due.map((s) => s.id).sort());
    expect(listed.map((s) => s.id)).not.toContain(notYet.id);
    expect(listed.map((s) => s.id)).not.toContain(ended.id);
    expect(listed.map((s) => ms(s.expiresAt))).toEqual([...listed.map((s) => ms(s.expiresAt))].sort((a, b) => a - b));
  });

  it('reports a session due to the millisecond, not to the second', async () => {
    const own = await freshStore();
    const session = await stored({ expiresAt: iso(T0 + 400) }, own);

    const before = await own.listDue(T0 + 399);
    const at = await own.listDue(T0 + 400);

    expect(before).toEqual([]);
    expect(at.map((s) => s.id)).toEqual([session.id]);
  });

  it('lists every live session, stopping ones included, and no ended one', async () => {
    const own = await freshStore();
    const live = [
      await stored({ status: 'starting' }, own),
      await stored({ status: 'running', expiresAt: iso(T0 + 86_400_000) }, own),
      await stored({ status: 'stopping', stopRequestedAt: iso(T0) }, own),
    ];
    await stored({ status: 'stopped' }, own);
    await stored({ status: 'failed' }, own);

    const listed = await own.listLive();

    expect(listed.map((s) => s.id).sort()).toEqual(live.map((s) => s.id).sort());
    expect(listed).toEqual(expect.arrayContaining(live));
  });
});

describe('a change of deadlineShards', () => {
  it.each([
    [8, 2],
    [2, 8],
    [MAX_DEADLINE_SHARDS, 1],
  ])('never hides a live session: written with %i shards, read with %i', async (written, read) => {
    const table = await freshTable();
    const writer = storeOn(table, written);
    const now = T0 + 3600_000;
    const live: Session[] = [];
    // Until every shard written to holds one (ids are random; bounded, so a bug cannot hang the test).
    const shards = new Set<string>();
    while (shards.size < written && live.length < 50 * written) {
      const session = await stored({ expiresAt: iso(now - 1000) }, writer);
      live.push(session);
      shards.add(liveShardOf(session.id, written));
    }
    expect(shards.size).toBe(written);

    const reader = storeOn(table, read);

    expect((await reader.listLive()).map((s) => s.id).sort()).toEqual(live.map((s) => s.id).sort());
    expect((await reader.listDue(now)).map((s) => s.id).sort()).toEqual(live.map((s) => s.id).sort());
  });
});

describe('a store configured with more shards than readers query', () => {
  it('refuses to start', () => {
    expect(() => storeOn('sessions', MAX_DEADLINE_SHARDS + 1)).toThrow(RangeError);
  });
});

describe('the ended counters', () => {
  it('counts ends by status and reason in one item, from the first end counted', async () => {
    const own = await freshStore();
    expect(await own.endedCounts()).toEqual({
      byStatus: { stopped: 0, failed: 0 },
      byEndReason: Object.fromEntries(END_REASONS.map((r) => [r, 0])),
    });

    await own.countEnded({ status: 'stopped', reason: 'idle_timeout', at: iso(T0) });
    await own.countEnded({ status: 'stopped', reason: 'idle_timeout', at: iso(T0 + 1000) });
    await own.countEnded({ status: 'failed', reason: 'start_failed', at: iso(T0 + 2000) });
    const counts = await own.endedCounts();

    expect(counts.byStatus).toEqual({ stopped: 2, failed: 1 });
    expect(counts.byEndReason).toMatchObject({ idle_timeout: 2, start_failed: 1, user_request: 0 });
    expect(counts.since).toBe(iso(T0));
  });

  it('is in no index and never purged, so no listing or sweep ever sees it', async () => {
    const table = await freshTable();
    const own = storeOn(table);
    await own.countEnded({ status: 'stopped', reason: 'user_request', at: iso(T0) });
    const item = (await db.doc.send(new ScanCommand({ TableName: table }))).Items ?? [];

    expect(item).toHaveLength(1);
    expect(Object.keys(item[0] ?? {}).sort()).toEqual(['countingSince', 'reason#user_request', 'sessionId', 'status#stopped']);
    expect(await own.listLive()).toEqual([]);
  });
});
