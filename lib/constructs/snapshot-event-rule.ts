// The EBS side of workspaces (README "Workspaces"): a workspace's save ends when its snapshot does,
// and EBS says so only with an `EBS Snapshot Notification` on the account's default bus. The
// finished CreateSnapshot calls go to the function that handles them (the task-event function),
// retried and dead-lettered like the task state changes (function-rule.ts): a lost one would leave
// the workspace `saving` until the sweep. The events name no tags, so every snapshot of the account
// matches; the handler tells ours by the snapshot's own tags.
import { type IFunction } from 'aws-cdk-lib/aws-lambda';
import { type Construct } from 'constructs';
import { EBS_SNAPSHOT_NOTIFICATION, SNAPSHOT_RESULTS, WORKSPACE_SNAPSHOT_EVENT } from '../../contract/ebs-events';
import { FunctionRule } from './function-rule';

export interface SnapshotEventRuleProps {
  target: IFunction;
}

export class SnapshotEventRule extends FunctionRule {
  constructor(scope: Construct, id: string, props: SnapshotEventRuleProps) {
    super(scope, id, {
      description: 'Finished EBS snapshots (workspace saves) → task-event function',
      eventPattern: {
        source: [EBS_SNAPSHOT_NOTIFICATION.source],
        detailType: [EBS_SNAPSHOT_NOTIFICATION.detailType],
        detail: { event: [WORKSPACE_SNAPSHOT_EVENT], result: [...SNAPSHOT_RESULTS] },
      },
      target: props.target,
      deadLetterQueueId: 'SnapshotEventDlq',
      deadLetterPurpose: 'EBS snapshot notifications EventBridge could not deliver',
    });
  }
}
