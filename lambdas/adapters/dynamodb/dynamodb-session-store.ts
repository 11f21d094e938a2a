// SessionStore on DynamoDB (AWS, or dynalite locally and in tests), over the Sessions table. Every
// write is one conditional request; a failed condition answers with the current item instead of
// throwing. Uses only operations dynalite implements (no transactions). No read scans the table:
// listings are Queries with a read budget, stats read the sparse live index and the counters item.
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../domain/errors';
import {
  END_REASONS,
  ENDED_STATUSES,
  LIVE_STATUSES,
  type Session,
  type SessionStatus,
  isLive,
  ms,
} from '../../domain/session';
import {
  type CountedEnd,
  type EndedCounts,
  type Page,
  type SessionPatch,
  type SessionStore,
  type StatusFilter,
  type WriteExpectation,
  type WriteResult,
} from '../../ports/session-store';
import { isConditionFailure, itemOfFailure } from './condition-failure';
import { type KeyShape, decodePageToken, encodePageToken, type PageKey } from './pagination-token';
import { type Item, type ItemSettings, fromItem, toItem } from './session-item';
import { buildUpdate } from './session-update';
import {
  BY_DEADLINE_INDEX,
  BY_OWNER_INDEX,
  ENDED_COUNTERS_ATTRIBUTES,
  ENDED_COUNTERS_ID,
  MAX_DEADLINE_SHARDS,
  SESSION_ATTRIBUTES,
  liveShards,
} from '../../../contract/table-definitions';

export interface DynamoDbSessionStoreOptions extends ItemSettings {
  client: DynamoDBDocumentClient;
  /** The Sessions table. */
  tableName: string;
}

/**
 * Where a `byOwner` listing resumes, as its token carries it (the owner is the caller's): the item's
 * id and creation time, which we write as a UUID and an ISO time. Anything else is not our token.
 */
const OWNER_TOKEN_KEY: KeyShape = {
  [SESSION_ATTRIBUTES.sessionId]: /^[\x21-\x7e]{1,128}$/,
  [SESSION_ATTRIBUTES.createdAt]: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
};

/** The part of a `byOwner` key (an item's, or LastEvaluatedKey) that a token carries. */
const ownerTokenKeyOf = (key: Item): PageKey => ({
  [SESSION_ATTRIBUTES.sessionId]: String(key[SESSION_ATTRIBUTES.sessionId]),
  [SESSION_ATTRIBUTES.createdAt]: String(key[SESSION_ATTRIBUTES.createdAt]),
});

/**
 * A filtered listing's read budget per request: at most this many Queries of FILTERED_QUERY_ITEMS
 * items each (400 items, about 50 read units at 1 KB an item), however long the owner's history.
 */
export const MAX_QUERIES_PER_LISTING = 4;
const FILTERED_QUERY_ITEMS = 100;

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
    // Readers query MAX_DEADLINE_SHARDS partitions: a session written beyond them would never be swept.
    if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > MAX_DEADLINE_SHARDS) {
      throw new RangeError(`shardCount must be a whole number from 1 to ${MAX_DEADLINE_SHARDS}`);
    }
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
    const scope = JSON.stringify([ownerId, status]);
    // The token's key is in the caller's own partition by construction: it carries no owner.
    let startKey: PageKey | undefined =
      nextToken === undefined ? undefined : { ...decodePageToken(nextToken, OWNER_TOKEN_KEY, scope), [SESSION_ATTRIBUTES.ownerId]: ownerId };
    const tokenOf = (key: Item): string => encodePageToken(ownerTokenKeyOf(key), scope);
    const filter = status === 'all' ? undefined : statusFilter(STATUS_GROUPS[status]);
    const sessions: Session[] = [];
    // A filtered Query can come back short (Limit counts items read, not items kept), so a page is
    // filled from several, but never from more than MAX_QUERIES_PER_LISTING: an owner with a long
    // history gets the sessions found so far and a token to go on (README "HTTP API").
    for (let query = 1; query <= MAX_QUERIES_PER_LISTING; query++) {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: BY_OWNER_INDEX,
          KeyConditionExpression: '#ownerId = :ownerId',
          ExpressionAttributeNames: { '#ownerId': SESSION_ATTRIBUTES.ownerId, ...filter?.names },
          ExpressionAttributeValues: { ':ownerId': ownerId, ...filter?.values },
          ...(filter && { FilterExpression: filter.FilterExpression }),
          ScanIndexForward: false,
          Limit: filter ? Math.max(limit, FILTERED_QUERY_ITEMS) : limit - sessions.length,
          ExclusiveStartKey: startKey,
        }),
      );
      const items = page.Items ?? [];
      for (const [index, item] of items.entries()) {
        sessions.push(fromItem(item));
        if (sessions.length < limit) continue;
        // Full. Resume after this item, or after the page if it was the page's last kept item.
        const resumeKey = index < items.length - 1 ? item : page.LastEvaluatedKey;
        return { items: sessions, ...(resumeKey && { nextToken: tokenOf(resumeKey) }) };
      }
      if (!page.LastEvaluatedKey) return { items: sessions };
      startKey = page.LastEvaluatedKey as PageKey;
    }
    return { items: sessions, ...(startKey && { nextToken: tokenOf(startKey) }) };
  }

  async listDue(epochMs: number): Promise<Session[]> {
    // The index holds deadlines rounded up to the second; the exact check is on `expiresAt`.
    const due = await this.queryDeadlineShards(Math.ceil(epochMs / 1000));
    return due.filter((s) => ms(s.expiresAt) <= epochMs);
  }

  async listLive(): Promise<Session[]> {
    return this.queryDeadlineShards(undefined);
  }

  async countEnded({ status, reason, at }: CountedEnd): Promise<void> {
    const C = ENDED_COUNTERS_ATTRIBUTES;
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { [SESSION_ATTRIBUTES.sessionId]: ENDED_COUNTERS_ID },
        UpdateExpression: 'SET #since = if_not_exists(#since, :at) ADD #status :one, #reason :one',
        ExpressionAttributeNames: { '#since': C.since, '#status': C.status(status), '#reason': C.reason(reason) },
        ExpressionAttributeValues: { ':at': at, ':one': 1 },
      }),
    );
  }

  async endedCounts(): Promise<EndedCounts> {
    const C = ENDED_COUNTERS_ATTRIBUTES;
    const { Item: counters }: { Item?: Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { [SESSION_ATTRIBUTES.sessionId]: ENDED_COUNTERS_ID }, ConsistentRead: true }),
    );
    const count = (attribute: string): number => {
      const value = counters?.[attribute];
      return typeof value === 'number' ? value : 0;
    };
    const since = counters?.[C.since];
    return {
      byStatus: Object.fromEntries(ENDED_STATUSES.map((s) => [s, count(C.status(s))])) as EndedCounts['byStatus'],
      byEndReason: Object.fromEntries(END_REASONS.map((r) => [r, count(C.reason(r))])) as EndedCounts['byEndReason'],
      ...(typeof since === 'string' && { since }),
    };
  }

  /** Every live session in the `byDeadline` index, optionally only those due by `maxEpochSeconds`; shards in parallel. */
  private async queryDeadlineShards(maxEpochSeconds: number | undefined): Promise<Session[]> {
    const bounded = maxEpochSeconds !== undefined;
    const perShard = await Promise.all(
      // Every shard there can be, not only those written to now (MAX_DEADLINE_SHARDS).
      liveShards(MAX_DEADLINE_SHARDS).map((shard) =>
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
