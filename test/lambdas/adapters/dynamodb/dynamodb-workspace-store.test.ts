// The workspace store's contract, against dynalite and against the in-memory fake the use-case
// tests run on, so the two cannot drift apart.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbWorkspaceStore } from '../../../../lambdas/adapters/dynamodb/dynamodb-workspace-store';
import { type Workspace, workspaceIdOf } from '../../../../lambdas/domain/workspace';
import { workspaceFixture } from '../../../support/workspace-fixture';
import { type WorkspaceStore } from '../../../../lambdas/ports/workspace-store';
import { type DynaliteHandle, startDynalite } from '../../../support/dynalite';
import { InMemoryWorkspaceStore } from '../../../support/fake-workspace-store';

let db: DynaliteHandle;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db?.stop();
});

const workspaceOf = (ownerId: string, profile = 'studio'): Workspace => workspaceFixture(ownerId, { profile, sessionId: 's-1' });

describe.each([
  ['DynamoDbWorkspaceStore', () => new DynamoDbWorkspaceStore({ client: db.doc, tableName: db.tables.workspaces })],
  ['InMemoryWorkspaceStore', () => new InMemoryWorkspaceStore()],
] as [string, () => WorkspaceStore][])('%s', (_name, make) => {
  it('creates one record per owner and profile, and lists an owner\'s', async () => {
    const store = make();
    const owner = `owner-${randomUUID()}`;

    expect(await store.create(workspaceOf(owner))).toBe(true);
    expect(await store.create(workspaceOf(owner))).toBe(false);
    expect(await store.create(workspaceOf(owner, 'lab'))).toBe(true);

    expect((await store.listByOwner(owner)).map((w) => w.profile)).toEqual(['lab', 'studio']);
    expect(await store.get({ ownerId: owner, profile: 'studio' })).toEqual(workspaceOf(owner));
  });

  it('writes conditionally: a stale version or state answers the record as it is', async () => {
    const store = make();
    const owner = `owner-${randomUUID()}`;
    const key = { ownerId: owner, profile: 'studio' };
    await store.create(workspaceOf(owner));

    const saved = await store.update(key, { state: 'saved', deleteAt: '2026-03-11T12:00:00.000Z', sessionId: null }, { version: 1, stateIn: ['in_use'] });
    const stale = await store.update(key, { state: 'deleting' }, { version: 1 });

    expect(saved).toMatchObject({ ok: true, workspace: { state: 'saved', version: 2, deleteAt: '2026-03-11T12:00:00.000Z' } });
    expect(saved.ok && 'sessionId' in saved.workspace).toBe(false);
    expect(stale).toMatchObject({ ok: false, current: { state: 'saved', version: 2 } });
    expect(await store.update({ ownerId: owner, profile: 'none' }, { state: 'saved' }, {})).toEqual({ ok: false, current: undefined });
  });

  it('removes a record only once it is deleting, and lists the ones with a schedule', async () => {
    const store = make();
    const owner = `owner-${randomUUID()}`;
    const key = { ownerId: owner, profile: 'studio' };
    await store.create(workspaceOf(owner));

    expect(await store.remove(key)).toBe(false);
    await store.update(key, { state: 'deleting', scheduleName: `${workspaceIdOf(owner, 'studio')}-1` }, {});
    expect((await store.listScheduled()).map((w) => w.ownerId)).toContain(owner);
    expect(await store.remove(key)).toBe(true);
    expect(await store.get(key)).toBeUndefined();
  });
});

it('keeps the TTL backstop a week after deleteAt, and never shows it', async () => {
  const store = new DynamoDbWorkspaceStore({ client: db.doc, tableName: db.tables.workspaces });
  const owner = `owner-${randomUUID()}`;
  await store.create(workspaceOf(owner));
  const updated = await store.update({ ownerId: owner, profile: 'studio' }, { state: 'saved', deleteAt: '2026-03-11T12:00:00.000Z' }, {});

  const { Item } = await db.doc.send(new GetCommand({ TableName: db.tables.workspaces, Key: { ownerId: owner, profile: 'studio' } }));
  expect(Item?.['purgeAt']).toBe(Date.parse('2026-03-18T12:00:00.000Z') / 1000);
  expect(updated.ok && 'purgeAt' in updated.workspace).toBe(false);
});
