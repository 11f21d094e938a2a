// The words a session is described in wherever it leaves the runtime: API responses, domain events,
// metric dimensions and the dashboard (which graphs one line per value). The domain builds on these
// lists; the CDK app reads them without importing the runtime (README, Layout).

export const SESSION_STATUSES = ['starting', 'running', 'stopping', 'stopped', 'failed'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const END_REASONS = [
  'idle_timeout',
  'max_lifetime',
  'scheduled_stop',
  'disconnected',
  'user_request',
  'admin_request',
  'task_exited',
  'orphaned',
  'start_failed',
] as const;
export type EndReason = (typeof END_REASONS)[number];

/** The end reasons a deadline can bind for: a live session's `expiryReason`, its end reason if it comes. */
export type DeadlineReason = Extract<EndReason, 'idle_timeout' | 'max_lifetime' | 'scheduled_stop' | 'disconnected'>;

/**
 * The kinds that report use or presence; they may name a connection (it is then seen). An
 * `interaction` is use; `busy` is the session's own work (the session agent's reading of the task),
 * use only where the profile has a busy policy; a `ping` is presence alone.
 */
export const PRESENCE_KINDS = ['interaction', 'ping', 'busy'] as const;
export type PresenceKind = (typeof PRESENCE_KINDS)[number];
/** The kinds that open or close a connection, and so must name one. */
export const CONNECTION_KINDS = ['connect', 'disconnect'] as const;
export const HEARTBEAT_KINDS = [...PRESENCE_KINDS, ...CONNECTION_KINDS] as const;
export type HeartbeatKind = (typeof HEARTBEAT_KINDS)[number];

/**
 * How recently a live session saw activity (display and metrics only); `busy` while busy reports
 * keep it alive.
 */
export const ACTIVITY_LEVELS = ['active', 'busy', 'idle', 'background', 'disconnected'] as const;
export type ActivityLevel = (typeof ACTIVITY_LEVELS)[number];

/** The task's resources the session agent reports the use of (`usage`) and the server warns about. */
export const WATCHED_RESOURCES = ['memory', 'disk'] as const;
export type WatchedResource = (typeof WATCHED_RESOURCES)[number];

/** What the sweep repairs, one list per kind in its report and one `Kind` dimension value each. */
export const SWEEP_KINDS = ['expired', 'stuck', 'orphans', 'lost'] as const;
export type SweepKind = (typeof SWEEP_KINDS)[number];
