// The start queue on AWS (README "Starting at the rate ECS allows"): an SQS standard queue that a
// create sends each session's start to, its dead-letter queue after a few receives, and the
// starter function's event source mapping: small batches, partial batch failures, and at most
// `starterConcurrency` starters at once, so RunTask runs near the rate ECS allows without a rate
// limiter of our own. A plain CfnEventSourceMapping, not SqsEventSource: that one grants
// sqs:GetQueueUrl, which contract/function-calls.ts does not list; the starter's role gets exactly
// the map's SQS calls on this queue (lib/constructs/bindings.ts).
import { Duration, Validations } from 'aws-cdk-lib';
import { CfnEventSourceMapping, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue';

/** Receives before a start request is dead-lettered (each receive failed in a way a redelivery might fix). */
export const START_MAX_RECEIVES = 5;
/** Start requests per invocation: each is one RunTask, taken in turn, so a batch stays well inside the timeout. */
export const START_BATCH_SIZE = 5;
/** AWS asks for a visibility timeout of at least six times the function's timeout on an SQS event source. */
const VISIBILITY_PER_TIMEOUT = 6;

export interface StartQueueProps {
  /** The starter function's timeout: the queue's visibility timeout is six times it. */
  starterTimeout: Duration;
}

export class StartQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: StartQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new DeadLetterQueue(this, 'StartDlq', 'session starts that failed every receive (the sweep ends their sessions as stuck starts)');
    this.queue = new Queue(this, 'Queue', {
      // The message carries the session's activity token: encrypted at rest, TLS only. SQS-managed
      // keys: no key policy to keep and no KMS calls for the api and the starter to be granted.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.starterTimeout.toSeconds() * VISIBILITY_PER_TIMEOUT),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: START_MAX_RECEIVES },
    });
  }

  /** The starter's event source mapping; its role must already hold the receive calls (the map's grants). */
  addStarter(starter: IFunction, maxConcurrency: number): CfnEventSourceMapping {
    const mapping = new CfnEventSourceMapping(this, 'StarterSource', {
      functionName: starter.functionName,
      eventSourceArn: this.queue.queueArn,
      batchSize: START_BATCH_SIZE,
      functionResponseTypes: ['ReportBatchItemFailures'],
      scalingConfig: { maximumConcurrency: maxConcurrency },
    });
    // CloudFormation checks the role may receive from the queue when it creates the mapping.
    if (starter.role !== undefined) mapping.node.addDependency(starter.role);
    Validations.of(mapping).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason: 'An SQS event source has no on-failure destination: a start request that fails every receive goes to the queue\'s own dead-letter queue (redrive policy), which is alarmed.',
    });
    return mapping;
  }
}
