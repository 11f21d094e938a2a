// An EventBridge rule whose events go to one of our functions, retried for up to two hours and then
// kept in a dead-letter queue of its own (watched by an alarm, dead-letter-queue.ts): what the task
// state changes and the workspaces' snapshot notifications share, since losing either leaves a
// record in flight until the sweep.
import { Duration } from 'aws-cdk-lib';
import { type EventPattern, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { type IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue';

export interface FunctionRuleProps {
  description: string;
  eventPattern: EventPattern;
  target: IFunction;
  /** The construct id of the dead-letter queue (kept per rule, so deployed queues keep their ids). */
  deadLetterQueueId: string;
  /** What lands in the dead-letter queue, for its alarm and the runbook. */
  deadLetterPurpose: string;
}

export class FunctionRule extends Construct {
  readonly rule: Rule;
  readonly deadLetterQueue: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: FunctionRuleProps) {
    super(scope, id);
    this.deadLetterQueue = new DeadLetterQueue(this, props.deadLetterQueueId, props.deadLetterPurpose);
    this.rule = new Rule(this, 'Rule', {
      description: props.description,
      eventPattern: props.eventPattern,
      targets: [new LambdaFunction(props.target, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 8, maxEventAge: Duration.hours(2) })],
    });
  }
}
