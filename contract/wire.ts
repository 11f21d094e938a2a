// The JSON bodies of the HTTP API (README "HTTP API") as a client reads them: the runtime builds
// values of these types and the CLI parses answers as them, so the two cannot drift apart unnoticed.
// Types only (the value lists they draw on are in vocabulary.ts), so a client that imports them
// pulls in no runtime code.

import { type ActivityLevel, type EndReason, type SessionStatus, type SweepKind } from './vocabulary';

export type { ActivityLevel, EndReason, SessionStatus };

/** The deadlines a live session can expire by. */
export type DeadlineReason = Extract<EndReason, 'idle_timeout' | 'max_lifetime' | 'disconnected'>;

/** The `kind` of `POST /sessions/{id}/activity`. */
export type HeartbeatKind = 'interaction' | 'ping' | 'connect' | 'disconnect';

/** The timeouts fixed for a session when it was created. */
export interface SessionTimeoutsView {
  idleTimeoutSeconds: number;
  maxLifetimeSeconds: number;
  /** Grace after the last client disconnects; absent: disconnecting never ends the session. */
  disconnectGraceSeconds?: number;
  /** A "Session Expiring" event is sent this long before the deadline; absent: no warning. */
  warnBeforeSeconds?: number;
  activeWithinSeconds: number;
  idleWithinSeconds: number;
  stopTimeoutSeconds: number;
}

/** A session as the API shows it. Times are ISO 8601 (UTC, milliseconds). */
export interface SessionView {
  id: string;
  ownerId: string;
  profile: string;
  status: SessionStatus;
  /** Why it stopped (set when it begins to stop). */
  endReason?: EndReason;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  stopRequestedAt?: string;
  lastActivityAt: string;
  /** Open client connections as last reported. */
  connections: number;
  /** When the last client disconnected (absent while connected). */
  disconnectedAt?: string;
  /** Kept alive until then by `extend`. */
  extendedUntil?: string;
  /** The current deadline. */
  expiresAt: string;
  /** Which deadline binds at `expiresAt`. */
  expiryReason: DeadlineReason;
  /** Hard cap: createdAt + the maximum lifetime. */
  maxExpiresAt: string;
  /** When the pre-expiry warning was sent. */
  warnedAt?: string;
  timeouts: SessionTimeoutsView;
  metadata: Record<string, string>;
  activityLevel: ActivityLevel;
}

/**
 * `GET /stats`. Live numbers are the sessions live now (from the sparse deadline index); ended
 * numbers are counted as each session ends (since `endedSince`), so no ended session is ever read.
 */
export interface SessionStats {
  /** Every status (zero included): live ones are sessions now, `stopped`/`failed` sessions ended since `endedSince`. */
  byStatus: Record<SessionStatus, number>;
  /** The sessions ended since `endedSince`, by why they ended (zero included). */
  byEndReason: Record<EndReason, number>;
  /** When the ended counters began (the first end they counted); absent until a session has ended. */
  endedSince?: string;
  /** The live sessions by activity level. */
  byActivityLevel: Record<ActivityLevel, number>;
  live: number;
  /** Sessions not yet stopping whose deadline has passed: the schedules are behind. */
  overdue: number;
  oldestLive?: { sessionId: string; createdAt: string };
}

/** One repair of the sweep (or, on a dry run, one it would make). */
export interface SweepItem {
  sessionId?: string;
  /** The last segment of the task ARN (never the full ARN). */
  taskId?: string;
  action: string;
}

/** A repair that failed; `error` is a short category, never an SDK message. */
export type SweepFailure = SweepItem & { error: string };

/** `POST /sweep`, and the sweep function's result. */
export type SweepReport = { dryRun: boolean; failures: SweepFailure[] } & Record<SweepKind, SweepItem[]>;

/** Every error answer. `code` is stable (not_found, conflict, …); `message` is for people. */
export interface ErrorBody {
  error: { code: string; message: string };
}
