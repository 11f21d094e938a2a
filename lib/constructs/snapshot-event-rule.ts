// The EBS side of workspaces (README "Workspaces"): a workspace's save ends when its snapshot does,
// and EBS says so only with an `EBS Snapshot Notification` on the account's default bus. The
// finished CreateSnapshot calls go to the function that handles them (the task-event function),
// retried and dead-lettered like the task state changes: a lost one would leave the workspace
// `saving` until the sweep. The events name no tags, so every snapshot of the account matches;
// the handler tells ours by the snapshot's own tags.
import { Duration } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { type IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { EBS_SNAPSHOT_NOTIFICATION, SNAPSHOT_RESULTS, WORKSPACE_SNAPSHOT_EVENT } from '../../contract/ebs-events';
import { DeadLetterQueue } from './dead-letter-queue';

export interface SnapshotEventRuleProps {
  target: IFunction;
}

export class SnapshotEventRule extends Construct {
  readonly rule: Rule;
  readonly deadLetterQueue: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: SnapshotEventRuleProps) {
    super(scope, id);
    this.deadLetterQueue = new DeadLetterQueue(this, 'SnapshotEventDlq', 'EBS snapshot notifications EventBridge could not deliver');
    this.rule = new Rule(this, 'Rule', {
      description: 'Finished EBS snapshots (workspace saves) → task-event function',
      eventPattern: {
        source: [EBS_SNAPSHOT_NOTIFICATION.source],
        detailType: [EBS_SNAPSHOT_NOTIFICATION.detailType],
        detail: { event: [WORKSPACE_SNAPSHOT_EVENT], result: [...SNAPSHOT_RESULTS] },
      },
      targets: [new LambdaFunction(props.target, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 8, maxEventAge: Duration.hours(2) })],
    });
  }
}
