// The DynamoDB idempotency keys against dynalite: a key is claimed once, until it expires.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbIdempotencyKeys } from '../../../../lambdas/adapters/dynamodb/dynamodb-idempotency-keys';
import { type DynaliteHandle, startDynalite } from '../../../support/dynalite';

let db: DynaliteHandle;
let keys: DynamoDbIdempotencyKeys;

beforeAll(async () => {
  db = await startDynalite();
  keys = new DynamoDbIdempotencyKeys({ client: db.doc, tableName: db.tables.idempotency });
});

afterAll(async () => {
  await db?.stop();
});

describe('DynamoDbIdempotencyKeys', () => {
  const NOW = 1_800_000_000;
  const record = (key: string, sessionId: string, expiresAtEpoch = NOW + 3600) => ({ key, sessionId, requestHash: `hash-${sessionId}`, expiresAtEpoch });

  it('claims a new key once, then answers with the first claim', async () => {
    const key = `owner-1#${randomUUID()}`;

    const first = await keys.claim(record(key, 's-1'), NOW);
    const second = await keys.claim(record(key, 's-2'), NOW + 10);

    expect(first).toEqual({ claimed: true });
    expect(second).toEqual({ claimed: false, existing: record(key, 's-1') });
  });

  it('lets an expired key be claimed again, before TTL has removed it', async () => {
    const key = `owner-1#${randomUUID()}`;
    await keys.claim(record(key, 's-1', NOW + 60), NOW);

    const reclaimed = await keys.claim(record(key, 's-2', NOW + 7200), NOW + 61);
    const afterwards = await keys.claim(record(key, 's-3'), NOW + 62);

    expect(reclaimed).toEqual({ claimed: true });
    expect(afterwards).toEqual({ claimed: false, existing: record(key, 's-2', NOW + 7200) });
  });
});
