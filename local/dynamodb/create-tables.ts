// Creates our tables from the shared definitions where nothing else does (the local stack on
// dynalite, and tests). On AWS, CDK owns the tables; this module is never used there.
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { setTimeout as delay } from 'node:timers/promises';
import {
  IDEMPOTENCY_TABLE,
  SESSIONS_TABLE,
  type TableDefinition,
  type TableNames,
  WORKSPACES_TABLE,
  createTableInput,
} from '../../contract/table-definitions';

export { type TableNames };

export interface CreateTablesOptions {
  /** Give up waiting for ACTIVE after this long (default 60 s). */
  timeoutMs?: number;
  /** Pause between DescribeTable polls (default 100 ms). */
  pollMs?: number;
}

const isActive = async (client: DynamoDBClient, tableName: string): Promise<boolean> => {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return (
    Table?.TableStatus === 'ACTIVE' && (Table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE')
  );
};

/** Creates one table (an existing one is fine: the local stack restarts on persisted data) and waits until it and its indexes are ACTIVE. */
export const createTable = async (
  client: DynamoDBClient,
  tableName: string,
  def: TableDefinition,
  { timeoutMs = 60_000, pollMs = 100 }: CreateTablesOptions = {},
): Promise<void> => {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName, def)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const giveUpAt = Date.now() + timeoutMs;
  while (!(await isActive(client, tableName))) {
    if (Date.now() > giveUpAt) throw new Error(`table ${tableName} did not become ACTIVE within ${timeoutMs} ms`);
    await delay(pollMs);
  }
};

/** Creates the Sessions, Idempotency and Workspaces tables. */
export const createTables = async (client: DynamoDBClient, names: TableNames, options?: CreateTablesOptions): Promise<void> => {
  await Promise.all([
    createTable(client, names.sessions, SESSIONS_TABLE, options),
    createTable(client, names.idempotency, IDEMPOTENCY_TABLE, options),
    createTable(client, names.workspaces, WORKSPACES_TABLE, options),
  ]);
};
