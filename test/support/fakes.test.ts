// The in-memory stores are only worth their speed if they behave like the real ones: the same
// contract cases run against both (the DynamoDB adapters on dynalite), so a use-case test that
// passes on the fakes means the same on DynamoDB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbIdempotencyKeys } from '../../lambdas/adapters/dynamodb/dynamodb-idempotency-keys';
import { DynamoDbOwnerSlots } from '../../lambdas/adapters/dynamodb/dynamodb-owner-slots';
import { DynamoDbSessionStore } from '../../lambdas/adapters/dynamodb/dynamodb-session-store';
import { type Session, iso } from '../../lambdas/domain/session';
import { type IdempotencyKeys } from '../../lambdas/ports/idempotency-keys';
import { type OwnerSlots, type SlotPool } from '../../lambdas/ports/owner-slots';
import { type SessionStore } from '../../lambdas/ports/session-store';
import { type DynaliteHandle, startDynalite } from './dynalite';
import { InMemoryIdempotencyKeys } from './fake-idempotency-keys';
import { InMemoryOwnerSlots } from './fake-owner-slots';
import { InMemorySessionStore } from './fake-session-store';
import { FakeScheduler, FakeTaskRunner, FakeClock, MINUTE, T0, throttled } from './fakes';
import { openTabs, sessionFixture } from './session-fixture';

let dynamo: DynaliteHandle | undefined;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo?.stop();
});

const dynalite = (): DynaliteHandle => {
  if (dynamo === undefined) throw new Error('dynalite not started');
  return dynamo;
};

const stores: [string, () => SessionStore][] = [
  ['InMemorySessionStore', () => new InMemorySessionStore()],
  [
    'DynamoDbSessionStore (dynalite)',
    () => new DynamoDbSessionStore({ client: dynalite().doc, tableName: dynalite().tables.sessions, shardCount: 4, retentionDays: 30 }),
  ],
];

const slotStores: [string, () => OwnerSlots][] = [
  ['InMemoryOwnerSlots', () => new InMemoryOwnerSlots()],
  ['DynamoDbOwnerSlots (dynalite)', () => new DynamoDbOwnerSlots({ client: dynalite().doc, tableName: dynalite().tables.idempotency })],
];

const keyStores: [string, () => IdempotencyKeys][] = [
  ['InMemoryIdempotencyKeys', () => new InMemoryIdempotencyKeys()],
  ['DynamoDbIdempotencyKeys (dynalite)', () => new DynamoDbIdempotencyKeys({ client: dynalite().doc, tableName: dynalite().tables.idempotency })],
];

let owners = 0;
/** An owner's slots of profile `demo`, for an owner no other case uses. */
const newPool = (): SlotPool => ({ ownerId: `contract-${(owners += 1)}`, profile: 'demo' });
/** A session of an owner no other case uses (the dynalite tables are shared by the cases). */
const fresh = (overrides: Partial<Session> = {}): Session => sessionFixture({ ownerId: `contract-${(owners += 1)}`, createdAt: iso(T0), ...overrides });

describe.each(stores)('SessionStore contract: %s', (_, makeStore) => {
  it('update applies the patch, removes nulls and bumps the version', async () => {
    const store = makeStore();
    const s = fresh({ disconnectedAt: iso(T0) });
    await store.create(s);

    const result = await store.update(s.id, { openConnections: openTabs(2, T0), disconnectedAt: null }, { statusIn: ['running'], version: 1, ownerId: s.ownerId });

    expect(result).toEqual({ ok: true, session: { ...s, openConnections: openTabs(2, T0), disconnectedAt: undefined, version: 2 } });
    const stored = await store.get(s.id);
    expect(stored?.version).toBe(2);
    expect(stored && 'disconnectedAt' in stored).toBe(false);
  });

  it('create refuses an id that exists', async () => {
    const store = makeStore();
    const s = fresh();

    expect(await store.create(s)).toBe(true);
    expect(await store.create({ ...s, ownerId: 'other' })).toBe(false);
    expect((await store.get(s.id))?.ownerId).toBe(s.ownerId);
  });

  it.each([
    ['status', { statusIn: ['stopping'] as const }],
    ['owner', { ownerId: 'mallory' }],
    ['version', { version: 7 }],
    ['schedule name', { scheduleName: 'other-1' }],
    ['no schedule', { scheduleName: null }],
  ])('a failed %s condition changes nothing and answers with the current item', async (_, expect_) => {
    const store = makeStore();
    const s = fresh();
    await store.create(s);

    const result = await store.update(s.id, { openConnections: openTabs(5, T0) }, expect_);

    expect(result).toEqual({ ok: false, current: s });
    expect(await store.get(s.id)).toEqual(s);
  });

  it('a condition on a missing session answers with no current item', async () => {
    const store = makeStore();

    await expect(store.update('missing-id', { openConnections: openTabs(1, T0) }, { statusIn: ['running'] })).resolves.toEqual({ ok: false, current: undefined });
  });

  it('a schedule-name condition of null holds when no schedule is named', async () => {
    const store = makeStore();
    const s = fresh({ status: 'stopping', scheduleName: undefined });
    await store.create(s);

    await expect(store.update(s.id, { status: 'stopped', endedAt: iso(T0) }, { scheduleName: null })).resolves.toMatchObject({ ok: true });
  });

  it('lists due and live sessions (live only)', async () => {
    const store = makeStore();
    const owner = `contract-${(owners += 1)}`;
    const due = fresh({ ownerId: owner, createdAt: iso(T0 - 60 * MINUTE) });
    const later = fresh({ ownerId: owner });
    const stopping = fresh({ ownerId: owner, status: 'stopping' });
    const ended = fresh({ ownerId: owner, status: 'stopped', createdAt: iso(T0 - 90 * MINUTE) });
    for (const s of [due, later, stopping, ended]) await store.create(s);

    const dueIds = (await store.listDue(T0)).map((s) => s.id);
    const liveIds = (await store.listLive()).map((s) => s.id);

    expect(dueIds).toContain(due.id);
    expect(dueIds).not.toContain(later.id);
    expect(dueIds).not.toContain(ended.id);
    expect(liveIds).toEqual(expect.arrayContaining([due.id, later.id, stopping.id]));
    expect(liveIds).not.toContain(ended.id);
  });

  it('counts ends by status and reason, from the first end counted', async () => {
    const store = makeStore();
    const before = await store.endedCounts();

    await store.countEnded({ status: 'stopped', reason: 'idle_timeout', at: iso(T0) });
    await store.countEnded({ status: 'stopped', reason: 'user_request', at: iso(T0 + MINUTE) });
    await store.countEnded({ status: 'failed', reason: 'start_failed', at: iso(T0 + 2 * MINUTE) });
    const after = await store.endedCounts();

    expect(after.byStatus).toEqual({ stopped: before.byStatus.stopped + 2, failed: before.byStatus.failed + 1 });
    expect(after.byEndReason.idle_timeout - before.byEndReason.idle_timeout).toBe(1);
    expect(after.byEndReason.start_failed - before.byEndReason.start_failed).toBe(1);
    expect(after.byEndReason.orphaned - before.byEndReason.orphaned).toBe(0);
    expect(after.since).toBe(before.since ?? iso(T0));
  });

  it('refuses a nextToken of another owner or another filter', async () => {
    const store = makeStore();
    const owner = `contract-${(owners += 1)}`;
    for (const minutesAgo of [30, 20, 10]) await store.create(fresh({ ownerId: owner, createdAt: iso(T0 - minutesAgo * MINUTE) }));
    const { nextToken } = await store.listByOwner(owner, { status: 'live', limit: 1 });
    if (nextToken === undefined) throw new Error('expected a second page');

    await expect(store.listByOwner(`contract-${(owners += 1)}`, { status: 'live', limit: 1, nextToken })).rejects.toMatchObject({ field: 'nextToken' });
    await expect(store.listByOwner(owner, { status: 'all', limit: 1, nextToken })).rejects.toMatchObject({ field: 'nextToken' });
    await expect(store.listByOwner(owner, { status: 'live', limit: 1, nextToken })).resolves.toMatchObject({ items: [expect.anything()] });
  });

  it('lists an owner newest first, in pages, by status', async () => {
    const store = makeStore();
    const owner = `contract-${(owners += 1)}`;
    const made = [30, 20, 10].map((minutesAgo) => fresh({ ownerId: owner, createdAt: iso(T0 - minutesAgo * MINUTE) }));
    for (const s of made) await store.create(s);

    const first = await store.listByOwner(owner, { status: 'all', limit: 2 });
    const second = await store.listByOwner(owner, { status: 'all', limit: 2, nextToken: first.nextToken ?? '' });

    expect(first.items.map((s) => s.id)).toEqual([made[2]?.id, made[1]?.id]);
    expect(second.items.map((s) => s.id)).toEqual([made[0]?.id]);
    expect(second.nextToken).toBeUndefined();
    expect((await store.listByOwner(owner, { status: 'ended', limit: 5 })).items).toEqual([]);
  });
});

describe.each(slotStores)('OwnerSlots contract: %s', (_, makeSlots) => {
  it('claims owner slots up to the limit, lets a holder claim again, and keeps owners and profiles apart', async () => {
    const slots = makeSlots();
    const [owner, other] = [newPool(), newPool()];
    const otherProfile = { ...owner, profile: 'other' };

    const claims = [
      await slots.claim(owner, 'a', 2, T0),
      await slots.claim(owner, 'b', 2, T0 + 1),
      await slots.claim(owner, 'c', 2, T0 + 2),
      await slots.claim(owner, 'a', 2, T0 + 3),
      await slots.claim(other, 'c', 2, T0 + 4),
      await slots.claim(otherProfile, 'd', 1, T0 + 5),
    ];

    expect(claims).toEqual([true, true, false, true, true, true]);
    expect(await slots.holders(owner)).toEqual([
      { sessionId: 'b', claimedAtMs: T0 + 1 },
      { sessionId: 'a', claimedAtMs: T0 + 3 },
    ]);
    expect(await slots.holders(other)).toEqual([{ sessionId: 'c', claimedAtMs: T0 + 4 }]);
    expect(await slots.holders(otherProfile)).toEqual([{ sessionId: 'd', claimedAtMs: T0 + 5 }]);
    expect(await slots.holders(newPool())).toEqual([]);
  });

  it('releases a held slot only, and with a claim time only that claim', async () => {
    const slots = makeSlots();
    const owner = newPool();
    await slots.claim(owner, 'a', 2, T0);
    await slots.claim(owner, 'b', 2, T0 + 1);

    await slots.release(owner, 'nobody');
    await slots.release(owner, 'a', T0 - 1);
    await slots.release(newPool(), 'a');
    expect((await slots.holders(owner)).map((s) => s.sessionId)).toEqual(['a', 'b']);

    await slots.release(owner, 'a', T0);
    await slots.release(owner, 'b');
    await slots.release(owner, 'b');
    expect(await slots.holders(owner)).toEqual([]);
    await expect(slots.claim(owner, 'c', 1, T0 + 2)).resolves.toBe(true);
  });

  it('ten claims at once for a limit of three: exactly three get a slot', async () => {
    const slots = makeSlots();
    const owner = newPool();
    const ids = Array.from({ length: 10 }, (_, i) => `s-${i}`);

    const claims = await Promise.all(ids.map((id, i) => slots.claim(owner, id, 3, T0 + i)));

    const winners = ids.filter((_, i) => claims[i]);
    expect(winners).toHaveLength(3);
    expect((await slots.holders(owner)).map((s) => s.sessionId).sort()).toEqual(winners.sort());
  });

  it('releases and claims at once never leave more holders than the limit', async () => {
    const slots = makeSlots();
    const owner = newPool();
    for (const id of ['old-0', 'old-1', 'old-2']) await slots.claim(owner, id, 3, T0);
    const fresh = Array.from({ length: 6 }, (_, i) => `new-${i}`);

    const [, claims] = await Promise.all([
      Promise.all(['old-0', 'old-1', 'old-2'].map((id) => slots.release(owner, id))),
      Promise.all(fresh.map((id) => slots.claim(owner, id, 3, T0 + 1))),
    ]);

    const winners = fresh.filter((_, i) => claims[i]);
    expect(winners.length).toBeLessThanOrEqual(3);
    expect((await slots.holders(owner)).map((s) => s.sessionId).sort()).toEqual(winners.sort());
  });
});

describe.each(keyStores)('IdempotencyKeys contract: %s', (_, makeKeys) => {
  it('claims an idempotency key once, until it expires', async () => {
    const keys = makeKeys();
    const key = `contract-key-${(owners += 1)}`;
    const record = { key, sessionId: 's-1', requestHash: 'h-1', expiresAtEpoch: 1000 };

    await expect(keys.claim(record, 900)).resolves.toEqual({ claimed: true });
    await expect(keys.claim({ ...record, sessionId: 's-2', expiresAtEpoch: 2000 }, 950)).resolves.toEqual({ claimed: false, existing: record });
    await expect(keys.claim({ ...record, sessionId: 's-3', expiresAtEpoch: 3000 }, 1001)).resolves.toEqual({ claimed: true });
  });
});

describe('other fakes', () => {
  it('the task runner starts once per session, stops idempotently and fails on demand', async () => {
    const tasks = new FakeTaskRunner(new FakeClock());
    const request = { sessionId: 's-1', ownerId: 'o', profile: 'p', environment: {} };
    const { taskArn } = await tasks.start(request);

    await expect(tasks.start(request)).resolves.toEqual({ taskArn });
    tasks.failures.failNext('stop', throttled());
    await expect(tasks.stop(taskArn, 'x')).rejects.toMatchObject({ name: 'ThrottlingException' });
    await tasks.stop(taskArn, 'x');
    await tasks.stop('arn:gone', 'x');

    expect(tasks.stopCalls).toHaveLength(3);
    expect(await tasks.listManaged()).toEqual([]);
    expect(await tasks.describe([taskArn, 'arn:gone'])).toMatchObject([{ taskArn, lastStatus: 'STOPPED', sessionId: 's-1' }]);
  });

  it('the scheduler keeps the first time of a name armed twice, and a fired schedule is gone', async () => {
    const scheduler = new FakeScheduler();
    await scheduler.arm({ sessionId: 's', scheduleName: 's-1', fireAt: 1 });
    await scheduler.arm({ sessionId: 's', scheduleName: 's-1', fireAt: 2 });

    expect(scheduler.armed.get('s-1')?.fireAt).toBe(1);
    expect(scheduler.fire('s-1')).toEqual({ sessionId: 's', scheduleName: 's-1' });
    expect(scheduler.armed.size).toBe(0);
  });
});
