// Table creation for the local stack and tests: from the shared definitions, ACTIVE on return, and
// harmless on a restart over tables that already exist.
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTables } from '../../../local/dynamodb/create-tables';
import { type DynaliteHandle, startDynalite } from '../../support/dynalite';

let db: DynaliteHandle;

beforeAll(async () => {
  db = await startDynalite();
});

afterAll(async () => {
  await db?.stop();
});

describe('createTables', () => {
  it('leaves both tables and their indexes ACTIVE', async () => {
    const { Table } = await db.client.send(new DescribeTableCommand({ TableName: db.tables.sessions }));

    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.IndexStatus])).toEqual(
      expect.arrayContaining([
        ['byOwner', 'ACTIVE'],
        ['byDeadline', 'ACTIVE'],
      ]),
    );
    const idempotency = await db.client.send(new DescribeTableCommand({ TableName: db.tables.idempotency }));
    expect(idempotency.Table?.TableStatus).toBe('ACTIVE');
  });

  it('accepts tables that already exist', async () => {
    await expect(createTables(db.client, db.tables, { pollMs: 10 })).resolves.toBeUndefined();
  });
});
