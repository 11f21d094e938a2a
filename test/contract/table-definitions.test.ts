// The shared table definitions: what CDK deploys and dynalite creates must match what the store queries.
import { describe, expect, it } from 'vitest';
import {
  BY_DEADLINE_INDEX,
  BY_OWNER_INDEX,
  IDEMPOTENCY_TABLE,
  SESSIONS_TABLE,
  createTableInput,
  liveShardOf,
  liveShards,
} from '../../contract/table-definitions';

describe('liveShardOf', () => {
  it('always puts a session in the same shard', () => {
    expect(liveShardOf('3f1c1a52-8c2e-4c0b-9f4e-2b8f0c6d7a11', 8)).toBe(liveShardOf('3f1c1a52-8c2e-4c0b-9f4e-2b8f0c6d7a11', 8));
  });

  it('spreads sessions over every shard, none much hotter than the others', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const shard = liveShardOf(crypto.randomUUID(), 8);
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }

    expect([...counts.keys()].sort()).toEqual(liveShards(8).sort());
    expect(Math.max(...counts.values())).toBeLessThan(2 * Math.min(...counts.values()));
  });

  it('names shards live#0 to live#N-1', () => {
    expect(liveShards(3)).toEqual(['live#0', 'live#1', 'live#2']);
    expect(liveShardOf('any', 1)).toBe('live#0');
  });

  it('rejects a shard count that is not a positive integer', () => {
    expect(() => liveShardOf('any', 0)).toThrow(RangeError);
  });
});

describe('createTableInput', () => {
  it('describes the sessions table with its two indexes, on demand', () => {
    const input = createTableInput('sessions', SESSIONS_TABLE);

    expect(input).toMatchObject({
      TableName: 'sessions',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'sessionId', KeyType: 'HASH' }],
    });
    expect(input.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'sessionId', AttributeType: 'S' },
        { AttributeName: 'ownerId', AttributeType: 'S' },
        { AttributeName: 'createdAt', AttributeType: 'S' },
        { AttributeName: 'liveShard', AttributeType: 'S' },
        { AttributeName: 'expiresAtEpoch', AttributeType: 'N' },
      ]),
    );
    expect(input.AttributeDefinitions).toHaveLength(5);
    expect(input.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: BY_OWNER_INDEX,
        KeySchema: [
          { AttributeName: 'ownerId', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: BY_DEADLINE_INDEX,
        KeySchema: [
          { AttributeName: 'liveShard', KeyType: 'HASH' },
          { AttributeName: 'expiresAtEpoch', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    expect(SESSIONS_TABLE.timeToLiveAttribute).toBe('purgeAt');
  });

  it('describes the idempotency table without indexes', () => {
    const input = createTableInput('idempotency', IDEMPOTENCY_TABLE);

    expect(input).toEqual({
      TableName: 'idempotency',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    });
    expect(IDEMPOTENCY_TABLE.timeToLiveAttribute).toBe('expiration');
  });
});
