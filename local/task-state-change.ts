// What EventBridge would deliver to the task-event function when ECS reports a task's state: an
// `ECS Task State Change` event, built from what the local task runner reports. It carries the
// fields the handler reads (taskArn, lastStatus, stoppedReason, startedBy and the SESSION_ID
// container override, which is how the handler finds the session on AWS too) in the envelope
// EventBridge wraps them in.
import { randomUUID } from 'node:crypto';
import { ECS_TASK_STATE_CHANGE } from '../contract/ecs-tasks';
import { type TaskStateChangeEvent } from '../lambdas/handlers/task-event';
import { type TaskStateEvent } from './adapters/process-task-runner';

/** The local stand-ins for the account and region an AWS event names. */
const ACCOUNT = '000000000000';
const REGION = 'local';

export interface EventBridgeEnvelope {
  version: '0';
  id: string;
  source: typeof ECS_TASK_STATE_CHANGE.source;
  account: string;
  time: string;
  region: string;
  resources: string[];
}

/** `taskMarker`: the local stack's own `startedBy` marker, as our ECS runner would start the task with. */
export const toTaskStateChange = (
  report: TaskStateEvent,
  taskMarker: string,
  now: number = Date.now(),
): TaskStateChangeEvent & EventBridgeEnvelope => ({
  version: '0',
  id: randomUUID(),
  'detail-type': ECS_TASK_STATE_CHANGE.detailType,
  source: ECS_TASK_STATE_CHANGE.source,
  account: ACCOUNT,
  time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: REGION,
  resources: [report.taskArn],
  detail: {
    taskArn: report.taskArn,
    lastStatus: report.lastStatus,
    // The local runner plays our ECS runner, which starts every task with the deployment's marker.
    startedBy: taskMarker,
    ...(report.stoppedReason !== undefined && { stoppedReason: report.stoppedReason }),
    overrides: { containerOverrides: [{ environment: [{ name: 'SESSION_ID', value: report.sessionId }] }] },
  },
});
