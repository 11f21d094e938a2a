// Every place that can drop an event (Scheduler fires, async Lambda invocations, EventBridge
// deliveries, SNS email deliveries) ends in one of these queues: encrypted, reachable over TLS only,
// kept for the SQS maximum so an operator has time to look, and watched by an alarm.
import { Duration, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { type Construct } from 'constructs';
import { control } from '../nag/control-tower';

export class DeadLetterQueue extends Queue {
  constructor(
    scope: Construct,
    id: string,
    /** What lands here, for the alarm description and the runbook. */
    readonly purpose: string,
  ) {
    super(scope, id, {
      // SQS-managed SSE: Scheduler, EventBridge, SNS and Lambda destinations can all write to it
      // without a customer key policy (the AWS-managed aws/sqs KMS key would block SNS and events).
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const reason = 'This queue is itself the terminal dead-letter queue; a queue behind it would only move the problem. An alarm fires on its first message.';
    Validations.of(this).acknowledge(
      { id: 'AwsSolutions-SQS3', reason },
      { id: 'Serverless-SQSRedrivePolicy', reason },
      // Declaring a RedriveAllowPolicy of allowAll would also pass, but only restate the SQS default
      // for a queue no SQS queue redrives into (Lambda, Scheduler, EventBridge and SNS write to it).
      control('CT.SQS.PR.1', reason),
    );
  }
}
