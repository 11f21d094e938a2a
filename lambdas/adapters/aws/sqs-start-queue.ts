// StartQueue on SQS (README "Starting at the rate ECS allows"): one message per start request, its
// delay as DelaySeconds (at most 900). The starter function consumes the queue through an SQS event
// source. A throttled or failing SendMessage is UnavailableError, so a create answers 503 and its
// session is marked failed (create-session compensates).
import { type SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { MAX_START_DELAY_SECONDS, type StartQueue, type StartRequest } from '../../ports/start-queue';
import { rethrowAwsError } from './aws-errors';

export class SqsStartQueue implements StartQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly options: { queueUrl: string },
  ) {}

  async enqueue(request: StartRequest, delaySeconds = 0): Promise<void> {
    const delay = Math.min(MAX_START_DELAY_SECONDS, Math.max(0, Math.ceil(delaySeconds)));
    try {
      await this.sqs.send(
        new SendMessageCommand({
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

