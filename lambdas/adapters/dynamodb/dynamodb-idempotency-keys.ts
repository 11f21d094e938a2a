// IdempotencyKeys on DynamoDB (AWS, or dynalite locally and in tests): one item per claimed key in
// the Idempotency table, expired by TTL. A claim is one conditional PutItem.
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type IdempotencyClaim, type IdempotencyKeys, type IdempotencyRecord } from '../../ports/idempotency-keys';
import { IDEMPOTENCY_ATTRIBUTES } from '../../../contract/table-definitions';
import { isConditionFailure } from './condition-failure';

export interface DynamoDbIdempotencyKeysOptions {
  client: DynamoDBDocumentClient;
  /** The Idempotency table. */
  tableName: string;
}

const MAX_CLAIM_ATTEMPTS = 3;

export class DynamoDbIdempotencyKeys implements IdempotencyKeys {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor({ client, tableName }: DynamoDbIdempotencyKeysOptions) {
    this.client = client;
    this.tableName = tableName;
  }

  async claim(record: IdempotencyRecord, nowEpochSeconds: number): Promise<IdempotencyClaim> {
    const A = IDEMPOTENCY_ATTRIBUTES;
    // A claim can lose to a record that then expires or is purged before we read it: try again.
    for (let attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt++) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
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
        new GetCommand({ TableName: this.tableName, Key: { [A.id]: record.key }, ConsistentRead: true }),
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
}
