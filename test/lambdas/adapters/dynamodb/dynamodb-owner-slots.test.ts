// The DynamoDB owner slots against dynalite: one item per owner and profile in the Idempotency table.
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
  const slotsItem = async (id: string): Promise<Record<string, unknown> | undefined> =>
    (await db.doc.send(new GetCommand({ TableName: db.tables.idempotency, Key: { id }, ConsistentRead: true }))).Item;

  it('keeps an owner\'s slots of a profile in one item that never expires, and deletes it when the last holder leaves', async () => {
    const pool = { ownerId: `owner-${randomUUID()}`, profile: 'demo' };
    const id = `owner-slots#demo#${pool.ownerId}`;
    await slots.claim(pool, 's-1', 5, T0);
    await slots.claim(pool, 's-2', 5, T0 + 1);

    expect(await slotsItem(id)).toEqual({ id, holders: { 's-1': T0, 's-2': T0 + 1 } });

    await slots.release(pool, 's-1');
    await slots.release(pool, 's-2');

    expect(await slotsItem(id)).toBeUndefined();
    await expect(slots.claim(pool, 's-3', 1, T0 + 2)).resolves.toBe(true);
    expect(await slots.holders(pool)).toEqual([{ sessionId: 's-3', claimedAtMs: T0 + 2 }]);
  });

  it('keeps each profile of an owner apart, even for an owner id that holds the separator', async () => {
    const ownerId = `owner#${randomUUID()}`;
    const big = { ownerId, profile: 'big' };
    const small = { ownerId, profile: 'small' };

    await expect(slots.claim(big, 'b-1', 1, T0)).resolves.toBe(true);
    await expect(slots.claim(small, 's-1', 1, T0)).resolves.toBe(true);
    await expect(slots.claim(big, 'b-2', 1, T0)).resolves.toBe(false);

    expect((await slots.holders(big)).map((s) => s.sessionId)).toEqual(['b-1']);
    expect((await slots.holders(small)).map((s) => s.sessionId)).toEqual(['s-1']);
  });

  it('refuses a limit below one', async () => {
    await expect(slots.claim({ ownerId: `owner-${randomUUID()}`, profile: 'demo' }, 's-1', 0, T0)).rejects.toBeInstanceOf(RangeError);
  });
});
