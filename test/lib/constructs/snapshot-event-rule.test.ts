// The rule of workspace saves (README "Workspaces"): finished CreateSnapshot calls, succeeded or
// failed, from the default bus to the function that handles them, retried and dead-lettered.
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { describe, it } from 'vitest';
import { SnapshotEventRule } from '../../../lib/constructs/snapshot-event-rule';

describe('SnapshotEventRule', () => {
  const template = () => {
    const stack = new Stack(new App(), 'Rules');
    const target = new LambdaFunction(stack, 'Target', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler = () => {}') });
    new SnapshotEventRule(stack, 'SnapshotEvents', { target });
    return Template.fromStack(stack);
  };

  it('matches finished createSnapshot calls on the default bus, succeeded or failed', () => {
    template().hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.ec2'], 'detail-type': ['EBS Snapshot Notification'], detail: { event: ['createSnapshot'], result: ['succeeded', 'failed'] } },
      EventBusName: Match.absent(),
    });
  });

  it('retries a failed delivery and dead-letters what still fails', () => {
    template().hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 }, DeadLetterConfig: { Arn: Match.anyValue() } })],
    });
  });
});
