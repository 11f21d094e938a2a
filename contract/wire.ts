// The JSON bodies of the HTTP API (README "HTTP API") as a client reads them: the runtime builds
// values of these types and the CLI parses answers as them, so the two cannot drift apart unnoticed.
// Types only (the value lists they draw on are in vocabulary.ts), so a client that imports them
// pulls in no runtime code.

import {
  type ActivityLevel,
  type DeadlineReason,
  type EndReason,
  type HeartbeatKind,
  type PresenceKind,
  type SessionStatus,
  type SweepKind,
  type WorkspaceState,
  type WatchedResource,
} from './vocabulary';
export type { ActivityLevel, DeadlineReason, EndReason, HeartbeatKind, SessionStatus, WorkspaceState };

/**
 * What the session agent read of its task, in percent (0 to 100) of the task's own limits (its
 * memory, its disk); either may be missing when it cannot be read. The server measures nothing.
 */
export interface ResourceUsage {
  memoryPercent?: number;
  diskPercent?: number;
}

/**
 * The body of `POST /sessions/{id}/activity` (and `/task-activity`): connect and disconnect name
 * their connection; every report but a disconnect may carry the task's `usage`. A connect with
 * `agent: true` is the session agent's own: that connection never counts as a client's.
 */
export type ActivityReport =
  | { kind: PresenceKind; connectionId?: string; usage?: ResourceUsage }
  | { kind: 'connect'; connectionId: string; agent?: boolean; usage?: ResourceUsage }
  | { kind: 'disconnect'; connectionId: string };

/** The answer of `POST /sessions/{id}/activity`. */
export interface ActivityResponse {
  session: SessionView;
  /**
   * Whole seconds (at least 1) during which reporting another interaction, naming the same
   * connection, changes nothing: the rest of the write-batching window, or less if the idle
   * deadline's warning or the connection's seen-time rewrite comes first. After a `busy` report in
   * a profile with a busy policy, the same for the next busy report (its window runs from `lastBusyAt`).
   */
  nextReportInSeconds: number;
}

/**
 * A profile's quiet hours (README, Profiles): a cron expression read in an IANA time zone, e.g.
 * `{ cron: '0 20 * * *', timezone: 'Europe/Zurich' }`, every day at 20:00 Zurich time, DST followed.
 */
export interface ScheduledStop {
  /** Five fields: minute hour day-of-month month day-of-week (croner's syntax). */
  cron: string;
  /** The IANA time zone the expression is read in. */
  timezone: string;
}

/**
 * A profile's busy policy (README "How a session's deadline works", Busy): when the session agent
 * counts the task as busy, and how far its `busy` reports are trusted.
 */
export interface BusyPolicy {
  /** Busy at or above this CPU use, in percent (over 0, at most 100) of the task's CPU allocation. */
  cpuPercent: number;
  /** The agent averages the CPU use over this many seconds. */
  windowSeconds: number;
  /** An unbroken busy stretch keeps the session alive at most this long; absent: up to the fixed deadlines. */
  maxSeconds?: number;
  /** An agent that cannot measure reports busy for at most this long, then only pings. */
  unknownGraceSeconds: number;
}

/**
 * The profile's effective timeouts when the session was created. The record keeps this snapshot, so
 * a change of configuration never alters a running session.
 */
export interface SessionTimeoutsView {
  idleTimeoutSeconds: number;
  maxLifetimeSeconds: number;
  /** Grace after the last client disconnects; absent: disconnecting never ends the session. */
  disconnectGraceSeconds?: number;
  /** A "Session Expiring" event is sent this long before the deadline; absent: no warning. */
  warnBeforeSeconds?: number;
  /** The profile's quiet hours: every occurrence stops its sessions; absent: none. */
  scheduledStop?: ScheduledStop;
  /** The profile's busy policy; absent: `busy` reports count as pings. */
  busy?: BusyPolicy;
  /** A resource of the task (memory, disk) at or above this percent of its limit is warned about. */
  resourceWarningPercent: number;
  /** Activity-level thresholds (display and metrics only). */
  activeWithinSeconds: number;
  idleWithinSeconds: number;
  /** How long ECS (or the local runner) waits after SIGTERM before SIGKILL. */
  stopTimeoutSeconds: number;
}

/**
 * A session as the API shows it: every field of the stored record (lambdas/domain/session.ts) but
 * its bookkeeping, plus the activity level. Times are ISO 8601 (UTC, milliseconds).
 */
export interface SessionView {
  id: string;
  /** The JWT `sub` of the creator, never taken from a body. */
  ownerId: string;
  profile: string;
  status: SessionStatus;
  /** Why it stopped (set when it begins to stop). */
  endReason?: EndReason;
  createdAt: string;
  /**
   * When its start was queued (README "Starting at the rate ECS allows"); absent on sessions
   * started inside the create request (no start queue configured) and on older records.
   */
  queuedAt?: string;
  /** When its task reached RUNNING: the idle clock counts from here, never from time in the queue. */
  startedAt?: string;
  endedAt?: string;
  /** When the stop was requested (status became `stopping`); the sweep repairs stops that hang. */
  stopRequestedAt?: string;
  /** Last meaningful activity; never moves backwards. */
  lastActivityAt: string;
  /**
   * The current (or last) busy stretch, only where the profile has a busy policy and its agent has
   * reported `busy`: when the stretch began and its last busy report (written at most once per
   * write window). Never moves backwards.
   */
  busySince?: string;
  lastBusyAt?: string;
  /**
   * Open client connections: the number of connection ids connected and not yet disconnected. The
   * session agent's own connection (`connect` with `agent: true`) is never one of them.
   */
  connections: number;
  /** Whether a connection of the session agent is open (it holds nothing: see `connections`). */
  agentConnected: boolean;
  /** When `connections` last dropped to 0 (absent while connected or if never connected). */
  disconnectedAt?: string;
  /** Explicit keep-alive set by `extend`; never past `maxExpiresAt`. */
  extendedUntil?: string;
  /** The current deadline (derived by the deadline policy, stored for the `byDeadline` index). */
  expiresAt: string;
  /** Which deadline binds at `expiresAt`. */
  expiryReason: DeadlineReason;
  /** Hard cap: createdAt + the maximum lifetime. */
  maxExpiresAt: string;
  /**
   * The profile's scheduled stop: its first occurrence after `createdAt`. Like `maxExpiresAt`, fixed
   * at create; no activity or extend moves it. Absent when the profile has none.
   */
  scheduledStopAt?: string;
  /** When the pre-expiry warning for the current deadline was sent. */
  warnedAt?: string;
  timeouts: SessionTimeoutsView;
  /** Small string map given by the creator. */
  metadata: Record<string, string>;
  /** The task's resources at or above `timeouts.resourceWarningPercent` of their limits; absent: none. */
  resourceWarnings?: ResourceWarning[];
  /** Derived from the record and the time of the answer, never stored. */
  activityLevel: ActivityLevel;
  /**
   * Present once the answer falls inside the warning lead (`timeouts.warnBeforeSeconds`) of the
   * current deadline, for a live session; derived on each answer, never stored.
   */
  warning?: ExpiryWarning;
  /**
   * Only while queued (`starting`, no task yet) and only where the queue can tell (locally): how
   * many starts are ahead of this one, and that many divided by the configured start rate, rounded up.
   */
  queuePosition?: number;
  startEstimateSeconds?: number;
  /** The owner's workspace of this profile, when the profile has one (README "Workspaces"). */
  workspace?: SessionWorkspaceView;
}

/**
 * A session's workspace: where it is mounted, and whether the session found what an earlier session
 * of the same owner and profile left (`restored`) or started empty. The retention is the profile's
 * as it was at create, as the timeouts are.
 */
export interface SessionWorkspaceView {
  mountPath: string;
  sizeGiB: number;
  restored: boolean;
  /** A saved workspace not used for this long is deleted. */
  retentionSeconds: number;
  /** `Workspace Expiring` is published this long before that; absent: no warning. */
  warnBeforeSeconds?: number;
}

/** A workspace as `GET /workspaces` shows it (README "Workspaces"). */
export interface WorkspaceView {
  ownerId: string;
  profile: string;
  state: WorkspaceState;
  mountPath: string;
  sizeGiB: number;
  createdAt: string;
  /** When a session last took it or gave it back. */
  lastUsedAt: string;
  /** The session that has it (`in_use`, `saving`) or had it last. */
  sessionId?: string;
  /** While `saved`: when it is deleted unless a session uses it first. */
  deleteAt?: string;
  /** When `Workspace Expiring` was published for the current `deleteAt`. */
  warnedAt?: string;
}

/** `GET /workspaces`. */
export interface WorkspaceList {
  workspaces: WorkspaceView[];
}

/** A resource of the task at or above the profile's threshold, as the session agent reported it crossing. */
export interface ResourceWarning {
  resource: WatchedResource;
  /** The reported use that crossed the threshold, in percent of the task's limit (a write per crossing, not per report). */
  percent: number;
  /** When it was first reported above the threshold (this crossing). */
  since: string;
}

/** The deadline is near: extend to put it off (never past `maxExpiresAt` or `scheduledStopAt`). */
export interface ExpiryWarning {
  /** The deadline warned about (`expiresAt`). */
  at: string;
  reason: DeadlineReason;
  /** Whole seconds from the answer to `at`, rounded down, never below 0. */
  secondsLeft: number;
  /** The one call that snoozes it. */
  extendRoute: string;
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
