// WorkspaceStore on DynamoDB (AWS, or dynalite locally and in tests): the Workspaces table, one
// item per owner (partition key) and profile (sort key), the record's fields 1:1 plus `purgeAt`,
// the TTL backstop derived from `deleteAt`. Every write is one conditional request; a failed
// condition reads the item (dynalite returns none with the failure) and answers it.
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ms } from '../../domain/session';
import { type Workspace } from '../../domain/workspace';
import {
  type WorkspaceExpectation,
  type WorkspaceKey,
  type WorkspacePatch,
  type WorkspaceStore,
  type WorkspaceWriteResult,
} from '../../ports/workspace-store';
import { WORKSPACE_ATTRIBUTES } from '../../../contract/table-definitions';
import { isConditionFailure } from './condition-failure';
import { type Item, compact } from './session-item';
import { UpdateExpression } from './update-expression';

export interface DynamoDbWorkspaceStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** TTL purges a record this long after its `deleteAt`: only one whose schedule was lost (README "Workspaces"). */
const PURGE_GRACE_SECONDS = 7 * 86_400;

const purgeAtOf = (deleteAt: string): number => Math.floor(ms(deleteAt) / 1000) + PURGE_GRACE_SECONDS;

const keyOf = (key: WorkspaceKey): Item => ({ [WORKSPACE_ATTRIBUTES.ownerId]: key.ownerId, [WORKSPACE_ATTRIBUTES.profile]: key.profile });

const fromItem = (item: Item): Workspace => {
  const { [WORKSPACE_ATTRIBUTES.purgeAt]: _purgeAt, ...fields } = item;
  return fields as unknown as Workspace;
};

const RESERVED = new Set<string>([WORKSPACE_ATTRIBUTES.ownerId, WORKSPACE_ATTRIBUTES.profile, WORKSPACE_ATTRIBUTES.purgeAt, 'id', 'version']);

export class DynamoDbWorkspaceStore implements WorkspaceStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor({ client, tableName }: DynamoDbWorkspaceStoreOptions) {
    this.client = client;
    this.tableName = tableName;
  }

  async create(workspace: Workspace): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: compact({ ...workspace, ...(workspace.deleteAt !== undefined && { [WORKSPACE_ATTRIBUTES.purgeAt]: purgeAtOf(workspace.deleteAt) }) }) as Item,
          ConditionExpression: 'attribute_not_exists(#owner)',
          ExpressionAttributeNames: { '#owner': WORKSPACE_ATTRIBUTES.ownerId },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async get(key: WorkspaceKey): Promise<Workspace | undefined> {
    const { Item: item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keyOf(key), ConsistentRead: true }));
    return item === undefined ? undefined : fromItem(item);
  }

  async update(key: WorkspaceKey, patch: WorkspacePatch, expect: WorkspaceExpectation): Promise<WorkspaceWriteResult> {
    const u = new UpdateExpression();
    const name = (attribute: string): string => u.name(attribute);
    const value = (v: unknown): string => u.value(v);
    for (const [attribute, v] of Object.entries(patch)) {
      if (RESERVED.has(attribute)) throw new TypeError(`a patch may not set ${attribute}`);
      u.assign(attribute, v);
    }
    if (patch.deleteAt !== undefined) u.assign(WORKSPACE_ATTRIBUTES.purgeAt, patch.deleteAt === null ? null : purgeAtOf(patch.deleteAt));
    const version = name('version');
    u.setRaw(`${version} = ${version} + ${value(1)}`);

    const conditions = [`attribute_exists(${name(WORKSPACE_ATTRIBUTES.ownerId)})`];
    if (expect.stateIn !== undefined) conditions.push(`${name('state')} IN (${expect.stateIn.map((s) => value(s)).join(', ')})`);
    if (expect.version !== undefined) conditions.push(`${version} = ${value(expect.version)}`);
    if (expect.sessionId !== undefined) conditions.push(`${name('sessionId')} = ${value(expect.sessionId)}`);
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(key),
          UpdateExpression: u.expression,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: u.names,
          ExpressionAttributeValues: u.values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { ok: true, workspace: fromItem(Attributes ?? {}) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { ok: false, current: await this.get(key) };
    }
  }

  async remove(key: WorkspaceKey): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keyOf(key),
          ConditionExpression: '#state = :deleting',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':deleting': 'deleting' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  listByOwner(ownerId: string): Promise<Workspace[]> {
    return this.allPages((start) =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': WORKSPACE_ATTRIBUTES.ownerId },
          ExpressionAttributeValues: { ':owner': ownerId },
          ConsistentRead: true,
          ...(start !== undefined && { ExclusiveStartKey: start }),
        }),
      ),
    );
  }

  listScheduled(): Promise<Workspace[]> {
    return this.allPages((start) =>
      this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'attribute_exists(#schedule)',
          ExpressionAttributeNames: { '#schedule': 'scheduleName' },
          ConsistentRead: true,
          ...(start !== undefined && { ExclusiveStartKey: start }),
        }),
      ),
    );
  }

  /** Every page of a Query or Scan, from the first on. */
  private async allPages(page: (start: Item | undefined) => Promise<{ Items?: Item[]; LastEvaluatedKey?: Item }>): Promise<Workspace[]> {
    const found: Workspace[] = [];
    let start: Item | undefined;
    do {
      const { Items = [], LastEvaluatedKey } = await page(start);
      found.push(...Items.map(fromItem));
      start = LastEvaluatedKey;
    } while (start !== undefined);
    return found;
  }
}
