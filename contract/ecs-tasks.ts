// How the runtime and the CDK app recognise session tasks on ECS: the RunTask `startedBy` marker the
// ECS adapter sets and the sweep lists by, and the task-state events the EventBridge rule forwards
// to the task-event function.
import { createHash } from 'node:crypto';

/** ECS accepts a `startedBy` of at most this many characters (RunTask, ListTasks). */
export const TASK_MARKER_MAX_LENGTH = 36;

/** What ECS allows in a `startedBy`: letters, digits, hyphens, slashes and underscores. */
export const TASK_MARKER_PATTERN = /^[A-Za-z0-9_/-]{1,36}$/;

const HASH_LENGTH = 8;
const PREFIX = 'se-';

/**
 * The `startedBy` marker of the tasks one deployment starts: `se-<name>-<hash>`, where `name` is
 * readable (cut to fit) and the hash is of `uniqueBy` (default the name itself), so two deployments
 * whose names share a long prefix still differ. Deterministic: the same deployment gets the same
 * marker on every synth, and its functions, its task-state rule and its sweep all use that one
 * (README "Deploy and destroy": two deployments on one cluster never touch each other's tasks).
 */
export const taskMarkerFor = (name: string, uniqueBy: string = name): string => {
  const hash = createHash('sha256').update(uniqueBy).digest('hex').slice(0, HASH_LENGTH);
  const room = TASK_MARKER_MAX_LENGTH - PREFIX.length - HASH_LENGTH - 1;
  const readable = name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, room);
  return readable.length === 0 ? `${PREFIX}${hash}` : `${PREFIX}${readable}-${hash}`;
};

/** The EventBridge event ECS sends on every task state change. */
export const ECS_TASK_STATE_CHANGE = { source: 'aws.ecs', detailType: 'ECS Task State Change' } as const;

/** The `lastStatus` values that change a session (the task-event use case ignores every other one). */
export const SESSION_CHANGING_TASK_STATUSES = ['RUNNING', 'STOPPED'] as const;
export type SessionChangingTaskStatus = (typeof SESSION_CHANGING_TASK_STATUSES)[number];

export const changesSession = (lastStatus: string): lastStatus is SessionChangingTaskStatus =>
  (SESSION_CHANGING_TASK_STATUSES as readonly string[]).includes(lastStatus);

/** The session tag of a session's task, and of its workspace volume and snapshots (README "Workspaces"). */
export const TAG_SESSION_ID = 'session-id';

/** The task definition's volume `configuredAtLaunch` that holds a session's workspace (README "Workspaces"). */
export const WORKSPACE_VOLUME_NAME = 'workspace';
