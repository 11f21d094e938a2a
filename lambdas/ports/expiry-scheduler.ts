// Fires the expire use case for one session, or the expiry of one workspace (README "Workspaces"),
// at one instant: EventBridge Scheduler on AWS, in-process timers locally.

/** What the expire use case receives when a session's schedule fires. */
export interface ExpiryFire {
  sessionId: string;
  /** `<sessionId>-<n>`; arming the same name twice is success. */
  scheduleName: string;
}

/** What the workspace expiry receives when a workspace's schedule fires. */
export interface WorkspaceFire {
  workspace: { ownerId: string; profile: string };
  /** `ws-<32 hex>-<n>`; arming the same name twice is success. */
  scheduleName: string;
}

/** Either fire: what a schedule's input carries. */
export type ScheduledFire = ExpiryFire | WorkspaceFire;

export const isWorkspaceFire = (fire: ScheduledFire): fire is WorkspaceFire => 'workspace' in fire;

/** A fire and when: epoch milliseconds. */
export type ArmRequest = ScheduledFire & { fireAt: number };

/** The fire an arm request makes. */
export const fireOf = (request: ArmRequest): ScheduledFire =>
  isWorkspaceFire(request)
    ? { workspace: { ownerId: request.workspace.ownerId, profile: request.workspace.profile }, scheduleName: request.scheduleName }
    : { sessionId: request.sessionId, scheduleName: request.scheduleName };

export interface ExpiryScheduler {
  arm(request: ArmRequest): Promise<void>;
  /** Removes a schedule; one that does not exist is success. */
  disarm(scheduleName: string): Promise<void>;
}
