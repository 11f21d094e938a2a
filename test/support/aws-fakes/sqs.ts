// A local Amazon SQS for SDK v3 clients (AWS JSON 1.0, `X-Amz-Target: AmazonSQS.<Operation>`):
// SendMessage onto the queues it is given (by URL), with DelaySeconds (0 to 900) and the MD5 of
// the body the SDK checks, and SQS's answer for a queue that does not exist. Messages are kept per
// queue for the test, which plays the event source mapping (`receive`, `settle`): a received
// message is invisible until settled, then deleted or, after `maxReceives` receives, moved to the
// dead-letter queue, as the queue's redrive policy says. Every send can be refused, as SQS refuses
// a role without the grant or throttles.
import { createHash, randomUUID } from 'node:crypto';
import { AwsServiceError, type HttpFake, type RecordedCall, startJsonRpcFake } from './http-fake';

export interface FakeQueue {
  url: string;
  arn: string;
  /** The redrive policy: where a message goes after this many receives. */
  redrive?: { deadLetterArn: string; maxReceives: number };
}

export interface FakeMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  sentAtMs: number;
  delaySeconds: number;
  receiveCount: number;
  /** Received and not yet settled. */
  inFlight: boolean;
}

export interface SqsFake extends HttpFake {
  calls: RecordedCall[];
  /** Messages by queue URL. */
  messages: Map<string, FakeMessage[]>;
  /** While set, every SendMessage fails with this error. */
  refuse: AwsServiceError | undefined;
  /**
   * Takes up to `max` visible messages (those whose delay has passed, or every waiting one with
   * `ignoreDelay`), as a poller would; each counts a receive.
   */
  receive(queueArn: string, max: number, options?: { ignoreDelay?: boolean }): FakeMessage[];
  /** Settles received messages: `deleted` go, the rest become visible again or are dead-lettered. */
  settle(queueArn: string, received: readonly FakeMessage[], deleted: ReadonlySet<string>): void;
}

const MAX_DELAY_SECONDS = 900;

export const startSqsFake = async (options: { queues: FakeQueue[] }): Promise<SqsFake> => {
  const calls: RecordedCall[] = [];
  const messages = new Map(options.queues.map((q) => [q.url, [] as FakeMessage[]]));
  const byArn = (arn: string): FakeQueue => {
    const queue = options.queues.find((q) => q.arn === arn);
    if (queue === undefined) throw new Error(`the SQS fake has no queue ${arn}`);
    return queue;
  };
  const held = (url: string): FakeMessage[] => messages.get(url) ?? [];
  const refusal: { error: AwsServiceError | undefined } = { error: undefined };

  const sendMessage = (input: Record<string, unknown>) => {
    if (refusal.error !== undefined) throw refusal.error;
    const queue = messages.get(String(input['QueueUrl']));
    if (queue === undefined) throw new AwsServiceError(400, 'AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.');
    const body = input['MessageBody'];
    if (typeof body !== 'string' || body === '') throw new AwsServiceError(400, 'MissingParameter', 'The request must contain the parameter MessageBody.');
    const delaySeconds = input['DelaySeconds'] === undefined ? 0 : Number(input['DelaySeconds']);
    if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > MAX_DELAY_SECONDS) {
      throw new AwsServiceError(400, 'InvalidParameterValue', `Value ${String(input['DelaySeconds'])} for parameter DelaySeconds is invalid.`);
    }
    const message: FakeMessage = { messageId: randomUUID(), receiptHandle: randomUUID(), body, sentAtMs: Date.now(), delaySeconds, receiveCount: 0, inFlight: false };
    queue.push(message);
    return { MessageId: message.messageId, MD5OfMessageBody: createHash('md5').update(body).digest('hex') };
  };

  const server = await startJsonRpcFake('AmazonSQS', '1.0', { SendMessage: sendMessage }, calls);
  return {
    ...server,
    calls,
    messages,
    get refuse() {
      return refusal.error;
    },
    set refuse(error) {
      refusal.error = error;
    },
    receive: (queueArn, max, { ignoreDelay = false } = {}) => {
      const now = Date.now();
      const visible = held(byArn(queueArn).url).filter((m) => !m.inFlight && (ignoreDelay || m.sentAtMs + m.delaySeconds * 1000 <= now));
      const taken = visible.slice(0, max);
      for (const message of taken) {
        message.inFlight = true;
        message.receiveCount += 1;
        message.receiptHandle = randomUUID();
      }
      return taken;
    },
    settle: (queueArn, received, deleted) => {
      const queue = byArn(queueArn);
      const list = held(queue.url);
      for (const message of received) {
        const index = list.indexOf(message);
        if (index < 0) continue;
        message.inFlight = false;
        if (deleted.has(message.messageId)) {
          list.splice(index, 1);
        } else if (queue.redrive !== undefined && message.receiveCount >= queue.redrive.maxReceives) {
          list.splice(index, 1);
          held(byArn(queue.redrive.deadLetterArn).url).push({ ...message, receiveCount: 0 });
        }
      }
    },
  };
};
