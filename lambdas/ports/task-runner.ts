// Runs the container of a session: ECS on AWS, a child process locally.

export interface StartTaskRequest {
  sessionId: string;
  ownerId: string;
  profile: string;
  /** Passed to the task: SESSION_ID, SESSION_ACTIVITY_TOKEN, SESSION_API_URL. */
  environment: Record<string, string>;
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

export interface TaskRunner {
  /** Starts the task; idempotent per session id (ECS clientToken). */
  start(request: StartTaskRequest): Promise<{ taskArn: string }>;
  /** Stops the task (SIGTERM, then SIGKILL after the stop timeout). A task already gone is success. */
  stop(taskArn: string, reason: string): Promise<void>;
  /** Every task this system started that is not yet stopped. */
  listManaged(): Promise<ManagedTask[]>;
  /** The given tasks as they are now; tasks that no longer exist are left out. */
  describe(taskArns: readonly string[]): Promise<ManagedTask[]>;
}
