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

/** The body of `POST /sessions/{id}/activity`: connect and disconnect name their connection. */
export type ActivityReport =
  | { kind: Exclude<HeartbeatKind, 'connect' | 'disconnect'>; connectionId?: string }
  | { kind: 'connect' | 'disconnect'; connectionId: string };

/** The answer of `POST /sessions/{id}/activity`. */
export interface ActivityResponse {
  session: SessionView;
  /**
   * Whole seconds (at least 1) during which reporting another interaction, naming the same
   * connection, changes nothing: the rest of the write-batching window, or less if the idle
   * deadline's warning or the connection's seen-time rewrite comes first.
   */
  nextReportInSeconds: number;
}

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
  /** Open client connections: the number of connection ids connected and not yet disconnected. */
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

/** `GET /stats`. */
export interface SessionStats {
  /** Over the whole table, every status present (zero included). */
  byStatus: Record<SessionStatus, number>;
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
