// SessionStore on DynamoDB (AWS, or dynalite locally and in tests). Every write is one conditional
// request; a failed condition answers with the current item instead of throwing. Uses only
// operations dynalite implements (no transactions). SDK errors other than a failed condition
// propagate: the use cases and handlers decide what a throttle means.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { UnavailableError, ValidationError } from '../../domain/errors';
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
  type IdempotencyRecord,
  type OwnerSlot,
  type Page,
  type SessionPatch,
  type SessionStore,
  type StatusCounts,
  type StatusFilter,
  type WriteExpectation,
  type WriteResult,
} from '../../ports/session-store';
import { decodePageToken, encodePageToken, type PageKey } from './pagination-token';
import { type Item, type ItemSettings, fromItem, toItem } from './session-item';
import { buildUpdate } from './session-update';
import {
  BY_DEADLINE_INDEX,
  BY_OWNER_INDEX,
  IDEMPOTENCY_ATTRIBUTES,
  OWNER_SLOTS_ATTRIBUTES,
  SESSION_ATTRIBUTES,
  type TableNames,
  liveShards,
  ownerSlotsId,
} from '../../../contract/table-definitions';

export interface DynamoDbSessionStoreOptions extends ItemSettings {
  client: DynamoDBDocumentClient;
  tables: TableNames;
}

const isConditionFailure = (error: unknown): error is ConditionalCheckFailedException =>
  error instanceof ConditionalCheckFailedException ||
  (error instanceof Error && error.name === 'ConditionalCheckFailedException');

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

const MAX_CLAIM_ATTEMPTS = 3;
/** Each retry of a slot claim follows a concurrent claim or release that changed the owner's item. */
const MAX_SLOT_CLAIM_ATTEMPTS = 8;

/** The `holders` map of an owner's slots item: session id → epoch ms of its claim. */
const holdersOf = (item: Item): Record<string, number> => (item[OWNER_SLOTS_ATTRIBUTES.holders] ?? {}) as Record<string, number>;

export class DynamoDbSessionStore implements SessionStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tables: TableNames;
  private readonly settings: ItemSettings;

  constructor({ client, tables, shardCount, retentionDays }: DynamoDbSessionStoreOptions) {
    if (!Number.isInteger(shardCount) || shardCount < 1) throw new RangeError('shardCount must be a positive integer');
    if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new RangeError('retentionDays must be a positive integer');
    this.client = client;
    this.tables = tables;
    this.settings = { shardCount, retentionDays };
  }

  async create(session: Session): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tables.sessions,
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
      new GetCommand({ TableName: this.tables.sessions, Key: { [SESSION_ATTRIBUTES.sessionId]: id }, ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  async update(id: string, patch: SessionPatch, expect: WriteExpectation): Promise<WriteResult> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tables.sessions,
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
      // DynamoDB returns the old item with the failure (no extra read). dynalite does not, and
      // neither does DynamoDB when the item is missing: then read it, consistently.
      const current = error.Item ? fromItem(unmarshall(error.Item) as Item) : await this.get(id);
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
          TableName: this.tables.sessions,
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
          TableName: this.tables.sessions,
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

  async claimIdempotencyKey(
    record: IdempotencyRecord,
    nowEpochSeconds: number,
  ): Promise<{ claimed: true } | { claimed: false; existing: IdempotencyRecord }> {
    const A = IDEMPOTENCY_ATTRIBUTES;
    // A claim can lose to a record that then expires or is purged before we read it: try again.
    for (let attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt++) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tables.idempotency,
            Item: { [A.id]: record.key, [A.sessionId]: record.sessionId, [A.requestHash]: record.requestHash, [A.expiration]: record.expiresAtEpoch },
            // TTL deletes lazily (up to days late), so an expired record counts as free.
            ConditionExpression: 'attribute_not_exists(#id) OR #expiration < :now',
            ExpressionAttributeNames: { '#id': A.id, '#expiration': A.expiration },
            ExpressionAttributeValues: { ':now': nowEpochSeconds },
          }),
        );
        return { claimed: true };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tables.idempotency, Key: { [A.id]: record.key }, ConsistentRead: true }),
      );
      if (Item && (Item[A.expiration] as number) >= nowEpochSeconds) {
        return {
          claimed: false,
          existing: {
            key: Item[A.id] as string,
            sessionId: Item[A.sessionId] as string,
            requestHash: Item[A.requestHash] as string,
            expiresAtEpoch: Item[A.expiration] as number,
          },
        };
      }
    }
    throw new Error(`could not claim idempotency key after ${MAX_CLAIM_ATTEMPTS} attempts`);
  }

  async claimOwnerSlot(ownerId: string, sessionId: string, max: number, nowMs: number): Promise<boolean> {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('max must be a positive integer');
    const H = OWNER_SLOTS_ATTRIBUTES;
    const key = { [H.id]: ownerSlotsId(ownerId) };
    // The owner's item either exists (add us to its map if there is room or we are in it already) or
    // not (create it with us in it). A concurrent claim or release can change which: then try again.
    for (let attempt = 1; attempt <= MAX_SLOT_CLAIM_ATTEMPTS; attempt++) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tables.idempotency,
            Key: key,
            UpdateExpression: 'SET #holders.#session = :now',
            ConditionExpression: 'attribute_exists(#holders) AND (size(#holders) < :max OR attribute_exists(#holders.#session))',
            ExpressionAttributeNames: { '#holders': H.holders, '#session': sessionId },
            ExpressionAttributeValues: { ':now': nowMs, ':max': max },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return true;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // DynamoDB returns the item that failed the condition; dynalite does not: read it.
        const item = error.Item ? (unmarshall(error.Item) as Item) : await this.ownerSlotsItem(ownerId);
        if (item?.[H.holders] !== undefined) {
          const holders = holdersOf(item);
          if (Object.keys(holders).length >= max && !Object.hasOwn(holders, sessionId)) return false;
          continue; // a slot came free since the write failed
        }
      }
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tables.idempotency,
            Item: { ...key, [H.holders]: { [sessionId]: nowMs } },
            ConditionExpression: 'attribute_not_exists(#holders)',
            ExpressionAttributeNames: { '#holders': H.holders },
          }),
        );
        return true;
      } catch (error) {
        if (!isConditionFailure(error)) throw error; // another claim created the item first
      }
    }
    throw new UnavailableError('the owner\'s sessions changed too often to claim a slot; try again');
  }

  async ownerSlots(ownerId: string): Promise<OwnerSlot[]> {
    const item = await this.ownerSlotsItem(ownerId);
    return Object.entries(item === undefined ? {} : holdersOf(item))
      .map(([sessionId, claimedAtMs]) => ({ sessionId, claimedAtMs }))
      .sort((a, b) => a.claimedAtMs - b.claimedAtMs || (a.sessionId < b.sessionId ? -1 : 1));
  }

  async releaseOwnerSlot(ownerId: string, sessionId: string, ifClaimedAtMs?: number): Promise<void> {
    const H = OWNER_SLOTS_ATTRIBUTES;
    const key = { [H.id]: ownerSlotsId(ownerId) };
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tables.idempotency,
          Key: key,
          UpdateExpression: 'REMOVE #holders.#session',
          ConditionExpression: ifClaimedAtMs === undefined ? 'attribute_exists(#holders.#session)' : '#holders.#session = :claimedAt',
          ExpressionAttributeNames: { '#holders': H.holders, '#session': sessionId },
          ...(ifClaimedAtMs !== undefined && { ExpressionAttributeValues: { ':claimedAt': ifClaimedAtMs } }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      if (Attributes === undefined || Object.keys(holdersOf(Attributes)).length > 0) return;
      // The last holder left: delete the item (an owner's id is kept no longer than their sessions),
      // unless a claim got in first.
      await this.client.send(
        new DeleteCommand({
          TableName: this.tables.idempotency,
          Key: key,
          ConditionExpression: 'size(#holders) = :zero',
          ExpressionAttributeNames: { '#holders': H.holders },
          ExpressionAttributeValues: { ':zero': 0 },
        }),
      );
    } catch (error) {
      // Not (or no longer) a holder, or a claim landed before the delete: nothing to give back.
      if (!isConditionFailure(error)) throw error;
    }
  }

  private async ownerSlotsItem(ownerId: string): Promise<Item | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tables.idempotency, Key: { [OWNER_SLOTS_ATTRIBUTES.id]: ownerSlotsId(ownerId) }, ConsistentRead: true }),
    );
    return Item;
  }

  /** Every live session in the `byDeadline` index, optionally only those due by `maxEpochSeconds`; shards in parallel. */
  private async queryDeadlineShards(maxEpochSeconds: number | undefined): Promise<Session[]> {
    const bounded = maxEpochSeconds !== undefined;
    const perShard = await Promise.all(
      liveShards(this.settings.shardCount).map((shard) =>
        this.queryAll({
          TableName: this.tables.sessions,
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
