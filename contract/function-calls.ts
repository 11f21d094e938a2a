// What each deployed function may call on AWS: per function, per resource of the stack, the IAM
// actions its code path makes there and nothing else (README, "Least privilege"). The CDK app grants
// exactly this map (lib/constructs/bindings.ts); test/lib/iam checks every entry is Allowed and the
// other functions' calls are Denied with an IAM policy simulator, and the deployed-bundle walk checks
// that every call a bundle really makes is allowed to its function. So a new call without its entry
// here fails a test, and an entry nothing needs shows as a grant beyond the map's reasons.
//
// Resources are named by their part in the system, not by ARN: CDK and the tests resolve each to the
// concrete ARNs (and conditions) of one deployment.

export const FUNCTION_NAMES = ['api', 'expire', 'sweep', 'taskEvent', 'starter'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** The stack's resources a function's call can be on. */
export const CALL_RESOURCES = [
  /** The Sessions table itself (items, and the Scan of admin stats). */
  'sessionsTable',
  /** Its `byOwner` index: a user's own sessions. */
  'sessionsByOwner',
  /** Its `byDeadline` index: the live sessions, by deadline. */
  'sessionsByDeadline',
  /** The Idempotency table: idempotency keys and the owners' live-session slots. */
  'idempotencyTable',
  /** The profiles' task definitions, run only in the session cluster (`ecs:cluster`). */
  'taskDefinitions',
  /** Tasks of the session cluster (`ecs:cluster`; tagging only while RunTask creates them). */
  'clusterTasks',
  /** The session cluster itself, for ListTasks, which has no task resource (`ecs:cluster` scopes it). */
  'cluster',
  /** Schedules in the stack's own session schedule group. */
  'sessionSchedules',
  /** The role Scheduler assumes for session schedules, passed to Scheduler only. */
  'schedulerRole',
  /** The task definitions' task and execution roles, passed to ECS tasks only. */
  'taskRoles',
  /** The stack's domain event bus. */
  'eventBus',
  /** The profile parameters under the stack's path (GetParametersByPath is authorized on the path). */
  'profileParameters',
  /** The start queue: create sends to it, the starter's event source mapping receives from it. */
  'startQueue',
  // Only in a deployment where some profile has a `workspace` (README "Workspaces"); none otherwise.
  /** The Workspaces table. */
  'workspacesTable',
  /** Workspace schedules (`ws-<id>-<n>`) in the session schedule group. */
  'workspaceSchedules',
  /** The session schedules' role, passed to Scheduler for workspace schedules. */
  'workspaceSchedulerRole',
  /** EBS volumes that carry the stack's tag (`aws:ResourceTag`). */
  'workspaceVolumes',
  /** EBS snapshots: made with the stack's tag (`aws:RequestTag`), deleted only when they carry it. */
  'workspaceSnapshots',
  /** EC2's Describe calls, which have no resource-level permissions: `*`, filtered by the stack's tag in the call. */
  'ec2Descriptions',
  /** The ECS infrastructure role for volumes, passed to ECS by RunTask. */
  'workspaceVolumesRole',
] as const;
export type CallResource = (typeof CALL_RESOURCES)[number];

export type IamAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:Query'
  | 'dynamodb:Scan'
  | 'ecs:RunTask'
  | 'ecs:TagResource'
  | 'ecs:StopTask'
  | 'ecs:DescribeTasks'
  | 'ecs:ListTasks'
  | 'scheduler:CreateSchedule'
  | 'scheduler:DeleteSchedule'
  | 'iam:PassRole'
  | 'events:PutEvents'
  | 'ssm:GetParametersByPath'
  | 'sqs:SendMessage'
  | 'sqs:ReceiveMessage'
  | 'sqs:DeleteMessage'
  | 'sqs:ChangeMessageVisibility'
  | 'sqs:GetQueueAttributes'
  | 'ec2:CreateSnapshot'
  | 'ec2:CreateTags'
  | 'ec2:DeleteVolume'
  | 'ec2:DeleteSnapshot'
  | 'ec2:DescribeVolumes'
  | 'ec2:DescribeSnapshots';

export type FunctionCalls = Readonly<Partial<Record<CallResource, readonly IamAction[]>>>;

// What every function does when a session ends (use-cases/end-session.ts recordEnded): the
// conditional write, the owner slot given back (UpdateItem, DeleteItem of the emptied item), the
// schedule disarmed and "Session Ended" published. A failed conditional write re-reads the item.
const END_SESSION = {
  sessionsTable: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  idempotencyTable: ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  sessionSchedules: ['scheduler:DeleteSchedule'],
  eventBus: ['events:PutEvents'],
} as const satisfies FunctionCalls;

// What every function does with the workspace of a session that ends (use-cases/workspace-use.ts
// giveBack): re-read and write the record, snapshot the session's volume (found by its tags; the
// snapshot is tagged as it is made), or, when the session never got one, arm the workspace's
// deadline (README "Workspaces").
const WORKSPACE_GIVE_BACK = {
  workspacesTable: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  workspaceSchedules: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
  workspaceSchedulerRole: ['iam:PassRole'],
  ec2Descriptions: ['ec2:DescribeVolumes', 'ec2:DescribeSnapshots'],
  workspaceVolumes: ['ec2:CreateSnapshot'],
  workspaceSnapshots: ['ec2:CreateSnapshot', 'ec2:CreateTags'],
} as const satisfies FunctionCalls;

/**
 * Deleting a workspace (its deadline, or its owner): its snapshots and volumes, then its record; the
 * volume and snapshot calls also serve whoever deletes a finished save's leftovers, beside the give-back's.
 */
const WORKSPACE_DELETE = {
  workspacesTable: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  workspaceVolumes: ['ec2:CreateSnapshot', 'ec2:DeleteVolume'],
  workspaceSnapshots: ['ec2:CreateSnapshot', 'ec2:CreateTags', 'ec2:DeleteSnapshot'],
} as const satisfies FunctionCalls;

export const FUNCTION_CALLS = {
  // Every route: create (idempotency key, owner slot, PutItem, arm, queue the start), list
  // (byOwner), show, activity and extend (arm when a deadline moves earlier), terminate (StopTask,
  // disarm), stats (Scan, byDeadline) and the admin sweep route, which runs the sweep itself;
  // reading the profiles for a create. It starts no task: the starter does (README "Starting at the
  // rate ECS allows").
  api: {
    sessionsTable: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Scan'],
    sessionsByOwner: ['dynamodb:Query'],
    sessionsByDeadline: ['dynamodb:Query'],
    idempotencyTable: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    clusterTasks: ['ecs:StopTask', 'ecs:DescribeTasks'],
    cluster: ['ecs:ListTasks'],
    sessionSchedules: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
    schedulerRole: ['iam:PassRole'],
    eventBus: ['events:PutEvents'],
    // Only creates look profiles up (README, Configuration: where profiles live).
    profileParameters: ['ssm:GetParametersByPath'],
    startQueue: ['sqs:SendMessage'],
    // Workspaces: a create takes one (PutItem the first time), GET lists the owner's, DELETE removes
    // one, a create finding it held by an ended session gives it back, and the sweep route deletes
    // leftover volumes and snapshots.
    ...WORKSPACE_GIVE_BACK,
    workspacesTable: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
    workspaceVolumes: WORKSPACE_DELETE.workspaceVolumes,
    workspaceSnapshots: WORKSPACE_DELETE.workspaceSnapshots,
  },
  // A schedule fired: re-read, re-arm later (CreateSchedule, passing the scheduler role) or warn, or
  // stop the task; a session without a task is ended right there.
  expire: {
    ...END_SESSION,
    clusterTasks: ['ecs:StopTask'],
    sessionSchedules: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
    schedulerRole: ['iam:PassRole'],
    // A workspace schedule fired: re-arm, warn (PutEvents), or delete the workspace.
    ...WORKSPACE_GIVE_BACK,
    ...WORKSPACE_DELETE,
  },
  // The safety net: live and due sessions from byDeadline, our tasks (ListTasks, DescribeTasks), then
  // ends, stops and orphan stops. It never arms a schedule and never starts a task.
  sweep: {
    ...END_SESSION,
    sessionsByDeadline: ['dynamodb:Query'],
    clusterTasks: ['ecs:StopTask', 'ecs:DescribeTasks'],
    cluster: ['ecs:ListTasks'],
    // And the workspace volumes and snapshots no record needs (workspace-leftovers.ts).
    ...WORKSPACE_GIVE_BACK,
    workspaceVolumes: WORKSPACE_DELETE.workspaceVolumes,
    workspaceSnapshots: WORKSPACE_DELETE.workspaceSnapshots,
  },
  // RUNNING and STOPPED of our tasks: status writes and the end of a session, no ECS call at all.
  // And a finished snapshot (snapshot-event.ts): its owner from its tags, then the saved workspace's
  // deadline armed and its volume and replaced snapshot deleted, or a failed one taken again.
  taskEvent: {
    ...END_SESSION,
    ...WORKSPACE_GIVE_BACK,
    workspaceVolumes: WORKSPACE_DELETE.workspaceVolumes,
    workspaceSnapshots: WORKSPACE_DELETE.workspaceSnapshots,
  },
  // Queued starts: re-read the session, RunTask with tags and the task's roles (the profile names
  // the task definition), store the ARN (a compensating StopTask when that fails or the session
  // ended meanwhile), queue a throttled start again, end a failed or timed-out one (start_failed).
  // Its event source mapping polls the queue with the function's role: receive, delete, change
  // visibility and read the queue's attributes.
  starter: {
    ...END_SESSION,
    taskDefinitions: ['ecs:RunTask'],
    clusterTasks: ['ecs:TagResource', 'ecs:StopTask'],
    taskRoles: ['iam:PassRole'],
    profileParameters: ['ssm:GetParametersByPath'],
    startQueue: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
    // A workspace's latest snapshot for the volume RunTask asks for, under the infrastructure role.
    ...WORKSPACE_GIVE_BACK,
    workspaceVolumesRole: ['iam:PassRole'],
  },
} as const satisfies Record<FunctionName, FunctionCalls>;

/** One function's calls as (resource, action) pairs. */
export const callsOf = (fn: FunctionName): { on: CallResource; action: IamAction }[] =>
  Object.entries(FUNCTION_CALLS[fn] as FunctionCalls).flatMap(([on, actions]) =>
    (actions ?? []).map((action) => ({ on: on as CallResource, action })),
  );
