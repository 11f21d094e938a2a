// Runs the container of a session: ECS on AWS, a child process locally.

export interface StartTaskRequest {
  sessionId: string;
  ownerId: string;
  profile: string;
  /** Passed to the task as it is: SESSION_ID, SESSION_API_URL. Nothing secret. */
  environment: Record<string, string>;
  /**
   * The session's activity credential. A runner hands it to the task only where no record others
   * can read keeps it: the local process runner sets SESSION_ACTIVITY_TOKEN in the child's
   * environment; on ECS it would land in RunTask's overrides (CloudTrail, DescribeTasks, task-state
   * events), so ECS tasks never get it and sign with their task role instead (README "How a task
   * authenticates").
   */
  activityToken?: string;
  /** The owner's workspace of the profile, when it has one (README "Workspaces"). */
  workspace?: TaskWorkspace;
}

/** Where the task finds its workspace: a directory locally, a volume from the latest snapshot on AWS. */
export interface TaskWorkspace {
  /** `ws-<32 hex>` (domain/workspace.ts). */
  id: string;
  mountPath: string;
  sizeGiB: number;
  /** AWS: the workspace's latest snapshot, restored into the new volume (absent: an empty one). */
  snapshotId?: string;
}

export interface ManagedTask {
  taskArn: string;
  /** The session the task was started for (from its tags or environment), if known. */
  sessionId?: string;
  /** ECS lastStatus vocabulary: PROVISIONING, PENDING, RUNNING, DEPROVISIONING, STOPPED, ... */
  lastStatus: string;
  /** Epoch milliseconds the task was created. */
  createdAt: number;
}

/**
 * The tasks this system started, as the functions that end sessions see them (expire, the sweep,
 * the api): they stop, list and describe tasks but start none. Only the starter starts tasks
 * (README "Starting at the rate ECS allows"), so only it needs a TaskRunner.
 */
export interface ManagedTasks {
  /** Stops the task (SIGTERM, then SIGKILL after the stop timeout). A task already gone is success. */
  stop(taskArn: string, reason: string): Promise<void>;
  /** Every task this system started that is not yet stopped. */
  listManaged(): Promise<ManagedTask[]>;
  /** The given tasks as they are now; tasks that no longer exist are left out. */
  describe(taskArns: readonly string[]): Promise<ManagedTask[]>;
}

export interface TaskRunner extends ManagedTasks {
  /** Starts the task; idempotent per session id (ECS clientToken). */
  start(request: StartTaskRequest): Promise<{ taskArn: string }>;
}
