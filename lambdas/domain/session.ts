// The session record: what the store keeps, the use cases change and the API shows (minus bookkeeping).

// The status and end-reason lists are wire vocabulary, shared with the CDK app (dashboard lines).
import { END_REASONS, type EndReason, SESSION_STATUSES, type SessionStatus } from '../../contract/vocabulary';

export { END_REASONS, type EndReason, SESSION_STATUSES, type SessionStatus };

/** Statuses of a session that has not ended; only these carry a `liveShard` in the `byDeadline` index. */
export const LIVE_STATUSES: readonly SessionStatus[] = ['starting', 'running', 'stopping'];
export const ENDED_STATUSES: readonly SessionStatus[] = ['stopped', 'failed'];

/** The reasons a deadline can bind for; the expire use case ends a session with the one that bound. */
export type DeadlineReason = Extract<EndReason, 'idle_timeout' | 'max_lifetime' | 'disconnected'>;

/**
 * The profile's effective timeouts at creation time. Stored on the record so that a config change
 * never alters a running session retroactively.
 */
export interface SessionTimeouts {
  idleTimeoutSeconds: number;
  maxLifetimeSeconds: number;
  /** Grace after the last client disconnects; undefined means disconnecting never ends the session. */
  disconnectGraceSeconds?: number;
  /** Send one "Session Expiring" event this long before the deadline; undefined means no warning. */
  warnBeforeSeconds?: number;
  /** Activity-level thresholds (display and metrics only). */
  activeWithinSeconds: number;
  idleWithinSeconds: number;
  /** How long ECS (or the local runner) waits after SIGTERM before SIGKILL. */
  stopTimeoutSeconds: number;
}

export interface Session {
  id: string;
  ownerId: string;
  profile: string;
  status: SessionStatus;
  endReason?: EndReason;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  /** When the stop was requested (status became `stopping`); the sweep repairs stops that hang. */
  stopRequestedAt?: string;
  /** Last meaningful activity; never moves backwards. */
  lastActivityAt: string;
  /**
   * Open client connections: connection id to when it was last seen (ISO). Bounded and aged as
   * connections.ts describes; the API shows only their number, as `connections`.
   */
  openConnections: Record<string, string>;
  /** When the last open connection closed (absent while connected or if never connected). */
  disconnectedAt?: string;
  /** Explicit keep-alive set by `extend`; never past `maxExpiresAt`. */
  extendedUntil?: string;
  /** The current deadline (derived by the deadline policy, stored for the `byDeadline` index). */
  expiresAt: string;
  /** Which deadline binds at `expiresAt`. */
  expiryReason: DeadlineReason;
  /** Hard cap: createdAt + maxLifetime. */
  maxExpiresAt: string;
  /** When the pre-expiry warning for `warnedFor` (a deadline) was sent. */
  warnedAt?: string;
  /** The deadline the last warning was about; a moved deadline gets its own warning. */
  warnedFor?: string;
  timeouts: SessionTimeouts;
  metadata: Record<string, string>;
  // Bookkeeping, never shown by the API:
  taskArn?: string;
  /** Name of the schedule currently armed for this session (`<id>-<n>`). */
  scheduleName?: string;
  /** Number of the schedule last named; every new one is numbered higher (see arm-schedule). */
  scheduleSeq: number;
  /** SHA-256 (hex) of the activity token; the token itself is never stored. */
  activityTokenHash: string;
  /** SHA-256 of the create request, so an Idempotency-Key replay with another body is a conflict. */
  requestHash?: string;
  /** Increments on every write. */
  version: number;
}

export const isLive = (status: SessionStatus): boolean => LIVE_STATUSES.includes(status);
export const isEnded = (status: SessionStatus): boolean => ENDED_STATUSES.includes(status);

/** Epoch milliseconds of an ISO timestamp. */
export const ms = (iso: string): number => Date.parse(iso);
/** ISO 8601 (UTC, milliseconds) of epoch milliseconds. */
export const iso = (epochMs: number): string => new Date(epochMs).toISOString();

/** Name of the n-th schedule of a session. */
export const scheduleNameFor = (sessionId: string, n: number): string => `${sessionId}-${n}`;
