// The event-driven layer: ECS reports every state change of our tasks; the ones that matter
// (RUNNING, STOPPED) of tasks this deployment started (its own `startedBy` marker) in our cluster go
// to the task-event function, retried and dead-lettered (function-rule.ts), since a lost STOPPED
// event would leave a session `stopping` until the sweep. Another deployment's tasks in the same
// cluster never match.
import { type IFunction } from 'aws-cdk-lib/aws-lambda';
import { type Construct } from 'constructs';
import { ECS_TASK_STATE_CHANGE, SESSION_CHANGING_TASK_STATUSES } from '../../contract/ecs-tasks';
import { FunctionRule } from './function-rule';

export interface TaskStateRuleProps {
  clusterArn: string;
  /** This deployment's `startedBy` marker (SessionCluster.taskMarker, the functions' TASK_MARKER). */
  taskMarker: string;
  target: IFunction;
}

export class TaskStateRule extends FunctionRule {
  constructor(scope: Construct, id: string, props: TaskStateRuleProps) {
    super(scope, id, {
      description: 'ECS task state changes of session tasks → task-event function',
      eventPattern: {
        source: [ECS_TASK_STATE_CHANGE.source],
        detailType: [ECS_TASK_STATE_CHANGE.detailType],
        detail: { clusterArn: [props.clusterArn], startedBy: [props.taskMarker], lastStatus: [...SESSION_CHANGING_TASK_STATUSES] },
      },
      target: props.target,
      deadLetterQueueId: 'TaskEventDlq',
      deadLetterPurpose: 'ECS task state changes EventBridge could not deliver',
    });
  }
}
