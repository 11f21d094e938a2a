// The DynamoDB owner slots against dynalite: one item per owner in the Idempotency table.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbOwnerSlots } from '../../../../lambdas/adapters/dynamodb/dynamodb-owner-slots';
import { type DynaliteHandle, startDynalite } from '../../../support/dynalite';

const T0 = Date.parse('2026-03-10T12:00:00.000Z');

let db: DynaliteHandle;
let slots: DynamoDbOwnerSlots;

beforeAll(async () => {
  db = await startDynalite();
  slots = new DynamoDbOwnerSlots({ client: db.doc, tableName: db.tables.idempotency });
});

afterAll(async () => {
  await db?.stop();
});

describe('DynamoDbOwnerSlots', () => {
  const slotsItem = async (ownerId: string): Promise<Record<string, unknown> | undefined> =>
    (await db.doc.send(new GetCommand({ TableName: db.tables.idempotency, Key: { id: `owner-slots#${ownerId}` }, ConsistentRead: true }))).Item;

  it('keeps an owner\'s slots in one item that never expires, and deletes it when the last holder leaves', async () => {
    const ownerId = `owner-${randomUUID()}`;
    await slots.claim(ownerId, 's-1', 5, T0);
    await slots.claim(ownerId, 's-2', 5, T0 + 1);

    expect(await slotsItem(ownerId)).toEqual({ id: `owner-slots#${ownerId}`, holders: { 's-1': T0, 's-2': T0 + 1 } });

    await slots.release(ownerId, 's-1');
    await slots.release(ownerId, 's-2');

    expect(await slotsItem(ownerId)).toBeUndefined();
    await expect(slots.claim(ownerId, 's-3', 1, T0 + 2)).resolves.toBe(true);
    expect(await slots.holders(ownerId)).toEqual([{ sessionId: 's-3', claimedAtMs: T0 + 2 }]);
  });

  it('refuses a limit below one', async () => {
    await expect(slots.claim(`owner-${randomUUID()}`, 's-1', 0, T0)).rejects.toBeInstanceOf(RangeError);
  });
});
