// SqsStartQueue against a mocked SQS client: one message per start, the backoff as DelaySeconds
// (capped at SQS's 900), and a throttle surfaced as UnavailableError.
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import * as v from '../../../../contract/valibot';
import { SqsStartQueue } from '../../../../lambdas/adapters/aws/sqs-start-queue';
import { UnavailableError } from '../../../../lambdas/domain/errors';
import { startRequestSchema } from '../../../../lambdas/handlers/starter';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/session-expiry-starts';
const REQUEST = { sessionId: '6f1c1a52-8c2e-4c0b-9f3e-2b7d1c0a9e11', activityToken: 'token', attempt: 1 };

describe('SqsStartQueue', () => {
  const client = new SQSClient({ region: 'eu-west-1' });
  const sqsMock = mockClient(client);
  const queue = new SqsStartQueue(client, { queueUrl: QUEUE_URL }, { SendMessageCommand });

  beforeEach(() => sqsMock.reset());

  it('sends the request as a body the starter parses, without a delay for a first try', async () => {
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    await queue.enqueue(REQUEST);

    const [call] = sqsMock.commandCalls(SendMessageCommand);
    expect(call?.args[0].input).toEqual({ QueueUrl: QUEUE_URL, MessageBody: JSON.stringify(REQUEST) });
    expect(v.parse(startRequestSchema, JSON.parse(call?.args[0].input.MessageBody ?? ''))).toEqual(REQUEST);
  });

  it('delays a retry by DelaySeconds, at most 900', async () => {
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-2' });
    await queue.enqueue({ ...REQUEST, attempt: 2 }, 7);
    await queue.enqueue({ ...REQUEST, attempt: 3 }, 5000);

    expect(sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input.DelaySeconds)).toEqual([7, 900]);
  });

  it('a throttled SendMessage is UnavailableError (the create answers 503)', async () => {
    sqsMock.on(SendMessageCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(queue.enqueue(REQUEST)).rejects.toBeInstanceOf(UnavailableError);
  });
});
