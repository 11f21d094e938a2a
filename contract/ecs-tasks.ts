// How the runtime and the CDK app recognise session tasks on ECS: the RunTask `startedBy` marker the
// ECS adapter sets and the sweep lists by, and the task-state events the EventBridge rule forwards
// to the task-event function.

/**
 * The `startedBy` marker of every task this system starts. One fixed value today, so two
 * deployments in one cluster would see each other's tasks. Both sides already take the marker as
 * a value (the ECS adapter's `startedBy` option, `SessionCluster.startedBy`), so making it per
 * deployment means passing another value to both, e.g. through a function environment variable.
 */
export const DEFAULT_TASK_MARKER = 'session-expiry';

/** ECS accepts a `startedBy` of at most this many characters. */
export const TASK_MARKER_MAX_LENGTH = 128;

/** The EventBridge event ECS sends on every task state change. */
export const ECS_TASK_STATE_CHANGE = { source: 'aws.ecs', detailType: 'ECS Task State Change' } as const;

/** The `lastStatus` values that change a session (the task-event use case ignores every other one). */
export const SESSION_CHANGING_TASK_STATUSES = ['RUNNING', 'STOPPED'] as const;
export type SessionChangingTaskStatus = (typeof SESSION_CHANGING_TASK_STATUSES)[number];

export const changesSession = (lastStatus: string): lastStatus is SessionChangingTaskStatus =>
  (SESSION_CHANGING_TASK_STATUSES as readonly string[]).includes(lastStatus);
