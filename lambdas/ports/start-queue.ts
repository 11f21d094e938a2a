// Where a created session's start waits its turn (README "Starting at the rate ECS allows"): SQS on
// AWS, an in-process queue locally. The starter takes each request off the queue and runs the
// start-session use case; a throttled or capacity-starved start goes back on with a delay.

export interface StartRequest {
  sessionId: string;
  /**
   * The session's activity token, which only the task may learn (its hash is all the record keeps).
   * It travels in the message, so the queue is encrypted at rest and readable by the starter only.
   */
  activityToken: string;
  /** 1 for the first try; each retry counts up (the backoff grows with it). */
  attempt: number;
}

export interface StartQueue {
  /** Queues the start, to be delivered after `delaySeconds` (default 0; SQS allows at most 900). */
  enqueue(request: StartRequest, delaySeconds?: number): Promise<void>;
  /**
   * Where a queued start stands, for the session view: starts ahead of it, and an estimate of the
   * seconds until its turn at the configured start rate. Only a queue that can tell cheaply has it
   * (the local one; SQS cannot say where one message is).
   */
  standingOf?(sessionId: string): QueueStanding | undefined;
}

export interface QueueStanding {
  queuePosition: number;
  startEstimateSeconds: number;
}

/** SQS DelaySeconds cannot exceed this; a longer backoff is cut to it. */
export const MAX_START_DELAY_SECONDS = 900;
