// What dynalite cannot show: on AWS a failed condition carries the old item (ALL_OLD), which the
// store uses instead of a second read; and SDK errors other than a failed condition propagate.
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbSessionStore } from '../../../../lambdas/adapters/dynamodb/dynamodb-session-store';
import { toItem } from '../../../../lambdas/adapters/dynamodb/session-item';
import { openTabs, sessionFixture } from '../../../support/session-fixture';
import { T0 } from '../../../support/time';

const settings = { shardCount: 4, retentionDays: 30 };
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const mock = mockClient(doc);
const store = new DynamoDbSessionStore({ client: doc, tableName: 'sessions', ...settings });

afterEach(() => {
  mock.reset();
});

describe('DynamoDbSessionStore on AWS', () => {
  it('answers a failed condition with the old item DynamoDB returned, without reading again', async () => {
    const session = sessionFixture({ status: 'stopping' });
    mock.on(UpdateCommand).rejects(
      new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item: marshall(toItem(session, settings)) }),
    );

    const result = await store.update(session.id, { status: 'stopping' }, { statusIn: ['running'] });

    expect(result).toEqual({ ok: false, current: session });
    expect(mock.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('asks DynamoDB for the old item and the new one in the same request', async () => {
    const session = sessionFixture();
    mock.on(UpdateCommand).resolves({ Attributes: toItem({ ...session, version: 2 }, settings) });

    await store.update(session.id, { openConnections: openTabs(1, T0) }, { version: 1 });

    expect(mock.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('lets throttling propagate', async () => {
    mock.on(UpdateCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));

    await expect(store.update('id', { openConnections: openTabs(1, T0) }, {})).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
  });
});
