// The event-driven layer: ECS reports every state change of our tasks; the ones that matter
// (RUNNING, STOPPED) of tasks we started in our cluster go to the task-event function, retried and
// dead-lettered, since a lost STOPPED event would leave a session `stopping` until the sweep.
import { Duration } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { type IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue';
import { STARTED_BY } from './session-cluster';

export interface TaskStateRuleProps {
  clusterArn: string;
  target: IFunction;
}

export class TaskStateRule extends Construct {
  readonly rule: Rule;
  readonly deadLetterQueue: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: TaskStateRuleProps) {
    super(scope, id);
    this.deadLetterQueue = new DeadLetterQueue(this, 'TaskEventDlq', 'ECS task state changes EventBridge could not deliver');
    this.rule = new Rule(this, 'Rule', {
      description: 'ECS task state changes of session tasks → task-event function',
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Task State Change'],
        detail: { clusterArn: [props.clusterArn], startedBy: [STARTED_BY], lastStatus: ['RUNNING', 'STOPPED'] },
      },
      targets: [
        new LambdaFunction(props.target, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
  }
}
