// OwnerSlots on DynamoDB (AWS, or dynalite locally and in tests): one item per owner and profile
// (`owner-slots#<profile>#<ownerId>`) in the Idempotency table, whose `holders` map names the
// sessions that hold a slot. Claims and releases are conditional writes on that one item, so they are strongly
// consistent without transactions (which dynalite lacks).
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { UnavailableError } from '../../domain/errors';
import { type OwnerSlot, type OwnerSlots, type SlotPool } from '../../ports/owner-slots';
import { OWNER_SLOTS_ATTRIBUTES, ownerSlotsId } from '../../../contract/table-definitions';
import { isConditionFailure, itemOfFailure } from './condition-failure';
import { type Item } from './session-item';

export interface DynamoDbOwnerSlotsOptions {
  client: DynamoDBDocumentClient;
  /** The Idempotency table, which also holds the owners' slot items. */
  tableName: string;
}

/** Each retry of a slot claim follows a concurrent claim or release that changed the owner's item. */
const MAX_SLOT_CLAIM_ATTEMPTS = 8;

/** The `holders` map of an owner's slots item: session id → epoch ms of its claim. */
const holdersOf = (item: Item): Record<string, number> => (item[OWNER_SLOTS_ATTRIBUTES.holders] ?? {}) as Record<string, number>;

export class DynamoDbOwnerSlots implements OwnerSlots {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor({ client, tableName }: DynamoDbOwnerSlotsOptions) {
    this.client = client;
    this.tableName = tableName;
  }

  async claim(pool: SlotPool, sessionId: string, max: number, nowMs: number): Promise<boolean> {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('max must be a positive integer');
    const H = OWNER_SLOTS_ATTRIBUTES;
    const key = { [H.id]: ownerSlotsId(pool.ownerId, pool.profile) };
    // The owner's item either exists (add us to its map if there is room or we are in it already) or
    // not (create it with us in it). A concurrent claim or release can change which: then try again.
    for (let attempt = 1; attempt <= MAX_SLOT_CLAIM_ATTEMPTS; attempt++) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
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
        const item = itemOfFailure(error) ?? (await this.slotsItem(pool));
        if (item?.[H.holders] !== undefined) {
          const holders = holdersOf(item);
          if (Object.keys(holders).length >= max && !Object.hasOwn(holders, sessionId)) return false;
          continue; // a slot came free since the write failed
        }
      }
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
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

  async holders(pool: SlotPool): Promise<OwnerSlot[]> {
    const item = await this.slotsItem(pool);
    return Object.entries(item === undefined ? {} : holdersOf(item))
      .map(([sessionId, claimedAtMs]) => ({ sessionId, claimedAtMs }))
      .sort((a, b) => a.claimedAtMs - b.claimedAtMs || (a.sessionId < b.sessionId ? -1 : 1));
  }

  async release(pool: SlotPool, sessionId: string, ifClaimedAtMs?: number): Promise<void> {
    const H = OWNER_SLOTS_ATTRIBUTES;
    const key = { [H.id]: ownerSlotsId(pool.ownerId, pool.profile) };
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
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
          TableName: this.tableName,
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

  private async slotsItem(pool: SlotPool): Promise<Item | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [OWNER_SLOTS_ATTRIBUTES.id]: ownerSlotsId(pool.ownerId, pool.profile) },
        ConsistentRead: true,
      }),
    );
    return Item;
  }
}
