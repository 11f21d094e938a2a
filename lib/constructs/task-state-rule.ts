// The event-driven layer: ECS reports every state change of our tasks; the ones that matter
// (RUNNING, STOPPED) of tasks this deployment started (its own `startedBy` marker) in our cluster go
// to the task-event function, retried and dead-lettered, since a lost STOPPED event would leave a
// session `stopping` until the sweep. Another deployment's tasks in the same cluster never match.
import { Duration } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { type IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ECS_TASK_STATE_CHANGE, SESSION_CHANGING_TASK_STATUSES } from '../../contract/ecs-tasks';
import { DeadLetterQueue } from './dead-letter-queue';

export interface TaskStateRuleProps {
  clusterArn: string;
  /** This deployment's `startedBy` marker (SessionCluster.taskMarker, the functions' TASK_MARKER). */
  taskMarker: string;
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
        source: [ECS_TASK_STATE_CHANGE.source],
        detailType: [ECS_TASK_STATE_CHANGE.detailType],
        detail: { clusterArn: [props.clusterArn], startedBy: [props.taskMarker], lastStatus: [...SESSION_CHANGING_TASK_STATUSES] },
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
