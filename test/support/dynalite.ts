// A throwaway in-process DynamoDB (dynalite) with our tables, for tests of anything that talks to
// the store. One per test file: start in beforeAll, stop in afterAll; dynamoDbStores puts the
// use cases' stores on its tables.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { randomUUID } from 'node:crypto';
import { DynamoDbIdempotencyKeys } from '../../lambdas/adapters/dynamodb/dynamodb-idempotency-keys';
import { DynamoDbOwnerSlots } from '../../lambdas/adapters/dynamodb/dynamodb-owner-slots';
import { DynamoDbSessionStore } from '../../lambdas/adapters/dynamodb/dynamodb-session-store';
import { type TableNames, createTables } from '../../local/dynamodb/create-tables';
import { listenOnFreePort } from './listen';

export interface DynaliteHandle {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  /** Names unique to this call, created and ACTIVE. */
  tables: TableNames;
  /** Destroys the clients and closes the server. Safe to call twice. */
  stop(): Promise<void>;
}

export const startDynalite = async (): Promise<DynaliteHandle> => {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const { url: endpoint, close } = await listenOnFreePort(server);
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const doc = DynamoDBDocumentClient.from(client);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    if (stopped === undefined) {
      doc.destroy();
      client.destroy();
      stopped = close();
    }
    return stopped;
  };

  const suffix = randomUUID().slice(0, 8);
  const tables: TableNames = { sessions: `sessions-${suffix}`, idempotency: `idempotency-${suffix}`, workspaces: `workspaces-${suffix}` };
  try {
    await createTables(client, tables, { pollMs: 10 });
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, client, doc, tables, stop };
};

/** The three stores of the use cases on the real DynamoDB adapters. */
export interface DynamoDbStores {
  store: DynamoDbSessionStore;
  idempotencyKeys: DynamoDbIdempotencyKeys;
  ownerSlots: DynamoDbOwnerSlots;
}

/** The use cases' stores on a dynalite's tables (4 deadline shards, 30 days' retention). */
export const dynamoDbStores = ({ doc, tables }: Pick<DynaliteHandle, 'doc' | 'tables'>): DynamoDbStores => ({
  store: new DynamoDbSessionStore({ client: doc, tableName: tables.sessions, shardCount: 4, retentionDays: 30 }),
  idempotencyKeys: new DynamoDbIdempotencyKeys({ client: doc, tableName: tables.idempotency }),
  ownerSlots: new DynamoDbOwnerSlots({ client: doc, tableName: tables.idempotency }),
});
