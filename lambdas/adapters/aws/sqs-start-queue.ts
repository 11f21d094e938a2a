// StartQueue on SQS (README "Starting at the rate ECS allows"): one message per start request, its
// delay as DelaySeconds (at most 900). The starter function consumes the queue through an SQS event
// source. A throttled or failing SendMessage is UnavailableError, so a create answers 503 and its
// session is marked failed (create-session compensates).
// The command comes with the client package (`sdk`), which the functions load on first use (sdk/client-sqs.ts).
import type { SQSClient } from '@aws-sdk/client-sqs';
import type * as SqsSdk from './sdk/client-sqs';
import { MAX_START_DELAY_SECONDS, type StartQueue, type StartRequest } from '../../ports/start-queue';
import { rethrowAwsError } from './aws-errors';

export class SqsStartQueue implements StartQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly options: { queueUrl: string },
    private readonly sdk: Pick<typeof SqsSdk, 'SendMessageCommand'>,
  ) {}

  async enqueue(request: StartRequest, delaySeconds = 0): Promise<void> {
    const delay = Math.min(MAX_START_DELAY_SECONDS, Math.max(0, Math.ceil(delaySeconds)));
    try {
      await this.sqs.send(
        new this.sdk.SendMessageCommand({
          QueueUrl: this.options.queueUrl,
          MessageBody: JSON.stringify(request),
          ...(delay > 0 && { DelaySeconds: delay }),
        }),
      );
    } catch (error) {
      rethrowAwsError(error, 'SQS SendMessage');
    }
  }
}

