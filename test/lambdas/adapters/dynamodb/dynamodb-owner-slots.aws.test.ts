// What dynalite cannot show: on AWS a failed condition carries the owner's slots item (ALL_OLD),
// which the adapter uses instead of a second read.
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbOwnerSlots } from '../../../../lambdas/adapters/dynamodb/dynamodb-owner-slots';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const mock = mockClient(doc);
const slots = new DynamoDbOwnerSlots({ client: doc, tableName: 'idempotency' });

afterEach(() => {
  mock.reset();
});

describe('DynamoDbOwnerSlots on AWS', () => {
  it('refuses an owner slot on the full item DynamoDB returned, without reading again', async () => {
    const holders = { 's-1': 1, 's-2': 2 };
    mock.on(UpdateCommand).rejects(
      new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item: marshall({ id: 'owner-slots#demo#o', holders }) }),
    );

    await expect(slots.claim({ ownerId: 'o', profile: 'demo' }, 's-3', 2, 3)).resolves.toBe(false);
    expect(mock.commandCalls(GetCommand)).toHaveLength(0);
    expect(mock.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({ TableName: 'idempotency', Key: { id: 'owner-slots#demo#o' } });
  });
});
