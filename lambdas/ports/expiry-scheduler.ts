// Fires the expire use case for one session at one instant: EventBridge Scheduler on AWS,
// in-process timers locally.

export interface ArmRequest {
  sessionId: string;
  /** `<sessionId>-<n>`; arming the same name twice is success. */
  scheduleName: string;
  /** Epoch milliseconds. */
  fireAt: number;
}

/** What the expire use case receives when a schedule fires. */
export interface ExpiryFire {
  sessionId: string;
  scheduleName: string;
}

export interface ExpiryScheduler {
  arm(request: ArmRequest): Promise<void>;
  /** Removes a schedule; one that does not exist is success. */
  disarm(scheduleName: string): Promise<void>;
}
