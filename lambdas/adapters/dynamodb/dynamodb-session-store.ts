// SessionStore on DynamoDB (AWS, or dynalite locally and in tests), over the Sessions table. Every
// write is one conditional request; a failed condition answers with the current item instead of
// throwing. Uses only operations dynalite implements (no transactions).
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../domain/errors';
import {
  ENDED_STATUSES,
  LIVE_STATUSES,
  SESSION_STATUSES,
  type Session,
  type SessionStatus,
  isLive,
  ms,
} from '../../domain/session';
import {
  type Page,
  type SessionPatch,
  type SessionStore,
  type StatusCounts,
  type StatusFilter,
  type WriteExpectation,
  type WriteResult,
} from '../../ports/session-store';
import { isConditionFailure, itemOfFailure } from './condition-failure';
import { decodePageToken, encodePageToken, type PageKey } from './pagination-token';
import { type Item, type ItemSettings, fromItem, toItem } from './session-item';
import { buildUpdate } from './session-update';
import { BY_DEADLINE_INDEX, BY_OWNER_INDEX, SESSION_ATTRIBUTES, liveShards } from '../../../contract/table-definitions';

export interface DynamoDbSessionStoreOptions extends ItemSettings {
  client: DynamoDBDocumentClient;
  /** The Sessions table. */
  tableName: string;
}

/** The key of an item in the `byOwner` index: what DynamoDB puts in LastEvaluatedKey there. */
const OWNER_PAGE_KEY = [SESSION_ATTRIBUTES.sessionId, SESSION_ATTRIBUTES.ownerId, SESSION_ATTRIBUTES.createdAt] as const;

const STATUS_GROUPS: Record<Exclude<StatusFilter, 'all'>, readonly SessionStatus[]> = {
  live: LIVE_STATUSES,
  ended: ENDED_STATUSES,
};

/** A FilterExpression on `status IN (...)`, with its names and values. */
const statusFilter = (statuses: readonly SessionStatus[]) => ({
  FilterExpression: `#status IN (${statuses.map((_, i) => `:status${i}`).join(', ')})`,
  names: { '#status': SESSION_ATTRIBUTES.status },
  values: Object.fromEntries(statuses.map((s, i) => [`:status${i}`, s])),
});

export class DynamoDbSessionStore implements SessionStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly settings: ItemSettings;

  constructor({ client, tableName, shardCount, retentionDays }: DynamoDbSessionStoreOptions) {
    if (!Number.isInteger(shardCount) || shardCount < 1) throw new RangeError('shardCount must be a positive integer');
    if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new RangeError('retentionDays must be a positive integer');
    this.client = client;
    this.tableName = tableName;
    this.settings = { shardCount, retentionDays };
  }

  async create(session: Session): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(session, this.settings),
          ConditionExpression: 'attribute_not_exists(#sessionId)',
          ExpressionAttributeNames: { '#sessionId': SESSION_ATTRIBUTES.sessionId },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async get(id: string): Promise<Session | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { [SESSION_ATTRIBUTES.sessionId]: id }, ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  async update(id: string, patch: SessionPatch, expect: WriteExpectation): Promise<WriteResult> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [SESSION_ATTRIBUTES.sessionId]: id },
          ...buildUpdate(id, patch, expect, this.settings),
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      if (!Attributes) throw new Error('UpdateItem returned no attributes despite ReturnValues ALL_NEW');
      return { ok: true, session: fromItem(Attributes) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Without the old item on the failure, read it (consistently).
      const old = itemOfFailure(error);
      const current = old ? fromItem(old) : await this.get(id);
      return { ok: false, current };
    }
  }

  async listByOwner(
    ownerId: string,
    { status, limit, nextToken }: { status: StatusFilter; limit: number; nextToken?: string },
  ): Promise<Page<Session>> {
    if (!Number.isInteger(limit) || limit < 1) throw new ValidationError('limit', 'limit must be a positive whole number');
    let startKey: PageKey | undefined;
    if (nextToken !== undefined) {
      startKey = decodePageToken(nextToken, OWNER_PAGE_KEY);
      if (startKey[SESSION_ATTRIBUTES.ownerId] !== ownerId) {
        throw new ValidationError('nextToken', 'nextToken is not a token this API issued');
      }
    }
    const filter = status === 'all' ? undefined : statusFilter(STATUS_GROUPS[status]);
    const sessions: Session[] = [];
    // A filtered page can come back short (Limit counts items read, not items kept): keep reading
    // until the page is full or the owner has no more sessions.
    for (;;) {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: BY_OWNER_INDEX,
          KeyConditionExpression: '#ownerId = :ownerId',
          ExpressionAttributeNames: { '#ownerId': SESSION_ATTRIBUTES.ownerId, ...filter?.names },
          ExpressionAttributeValues: { ':ownerId': ownerId, ...filter?.values },
          ...(filter && { FilterExpression: filter.FilterExpression }),
          ScanIndexForward: false,
          Limit: limit,
          ExclusiveStartKey: startKey,
        }),
      );
      const items = page.Items ?? [];
      for (const [index, item] of items.entries()) {
        sessions.push(fromItem(item));
        if (sessions.length < limit) continue;
        // Full. Resume after this item, or after the page if it was the page's last kept item.
        const resumeKey =
          index < items.length - 1
            ? Object.fromEntries(OWNER_PAGE_KEY.map((a) => [a, item[a] as string]))
            : (page.LastEvaluatedKey as PageKey | undefined);
        return { items: sessions, ...(resumeKey && { nextToken: encodePageToken(resumeKey) }) };
      }
      if (!page.LastEvaluatedKey) return { items: sessions };
      startKey = page.LastEvaluatedKey as PageKey;
    }
  }

  async listDue(epochMs: number): Promise<Session[]> {
    // The index holds deadlines rounded up to the second; the exact check is on `expiresAt`.
    const due = await this.queryDeadlineShards(Math.ceil(epochMs / 1000));
    return due.filter((s) => ms(s.expiresAt) <= epochMs);
  }

  async listLive(): Promise<Session[]> {
    return this.queryDeadlineShards(undefined);
  }

  async countByStatus(): Promise<StatusCounts> {
    const byStatus = Object.fromEntries(SESSION_STATUSES.map((s) => [s, 0])) as Record<SessionStatus, number>;
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          ProjectionExpression: '#status',
          ExpressionAttributeNames: { '#status': SESSION_ATTRIBUTES.status },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const status = item[SESSION_ATTRIBUTES.status] as SessionStatus;
        if (status in byStatus) byStatus[status] += 1;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { byStatus };
  }

  /** Every live session in the `byDeadline` index, optionally only those due by `maxEpochSeconds`; shards in parallel. */
  private async queryDeadlineShards(maxEpochSeconds: number | undefined): Promise<Session[]> {
    const bounded = maxEpochSeconds !== undefined;
    const perShard = await Promise.all(
      liveShards(this.settings.shardCount).map((shard) =>
        this.queryAll({
          TableName: this.tableName,
          IndexName: BY_DEADLINE_INDEX,
          KeyConditionExpression: bounded ? '#liveShard = :shard AND #expiresAtEpoch <= :max' : '#liveShard = :shard',
          ExpressionAttributeNames: {
            '#liveShard': SESSION_ATTRIBUTES.liveShard,
            ...(bounded && { '#expiresAtEpoch': SESSION_ATTRIBUTES.expiresAtEpoch }),
          },
          ExpressionAttributeValues: { ':shard': shard, ...(bounded && { ':max': maxEpochSeconds }) },
        }),
      ),
    );
    return perShard
      .flat()
      .map(fromItem)
      .filter((s) => isLive(s.status))
      .sort((a, b) => ms(a.expiresAt) - ms(b.expiresAt));
  }

  private async queryAll(input: QueryCommandInput): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
