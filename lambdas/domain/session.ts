// The session record: what the store keeps, the use cases change and the API shows (minus bookkeeping).

// The status and end-reason lists are wire vocabulary, shared with the CDK app (dashboard lines).
import {
  type DeadlineReason,
  END_REASONS,
  type EndReason,
  SESSION_STATUSES,
  type SessionStatus,
} from '../../contract/vocabulary';
import { type SessionTimeoutsView, type SessionView } from '../../contract/wire';

export { type DeadlineReason, END_REASONS, type EndReason, SESSION_STATUSES, type SessionStatus };

/** Statuses of a session that has not ended; only these carry a `liveShard` in the `byDeadline` index. */
export const LIVE_STATUSES: readonly SessionStatus[] = ['starting', 'running', 'stopping'];
export const ENDED_STATUSES: readonly SessionStatus[] = ['stopped', 'failed'];

/** The snapshot of the profile's timeouts the record keeps (contract/wire.ts explains each). */
export type SessionTimeouts = SessionTimeoutsView;

/**
 * The record: what the API shows of a session (contract/wire.ts, where each field is explained) but
 * the activity level and warning, which are derived on each answer, plus bookkeeping the API never shows.
 */
export interface Session extends Omit<SessionView, 'activityLevel' | 'connections' | 'agentConnected' | 'warning'> {
  /**
   * Open client connections: connection id to when it was last seen (ISO). Bounded and aged as
   * connections.ts describes; the API shows only their number, as `connections`.
   */
  openConnections: Record<string, string>;
  /**
   * Open connections of the session agent (`connect` with `agent: true`), kept the same way but
   * apart, so they never count as clients; the API shows only `agentConnected`. Absent on records
   * from before the agent said so: none.
   */
  agentConnections?: Record<string, string>;
  /** The deadline the last warning was about; a moved deadline gets its own warning. */
  warnedFor?: string;
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
  /** When ECS last accepted a StopTask for this stop; until then the stop is not confirmed (README "Why three layers"). */
  stopConfirmedAt?: string;
  /** When a StopTask for this stop last failed: the next fire, DELETE or sweep sends it again. */
  stopFailedAt?: string;
  /** ECS `version` of the last task event applied; an event of that version or older changes nothing. */
  taskEventVersion?: number;
}

export const isLive = (status: SessionStatus): boolean => LIVE_STATUSES.includes(status);
export const isEnded = (status: SessionStatus): boolean => ENDED_STATUSES.includes(status);

/** Epoch milliseconds of an ISO timestamp. */
export const ms = (iso: string): number => Date.parse(iso);
/** ISO 8601 (UTC, milliseconds) of epoch milliseconds. */
export const iso = (epochMs: number): string => new Date(epochMs).toISOString();

/** Name of the n-th schedule of a session. */
export const scheduleNameFor = (sessionId: string, n: number): string => `${sessionId}-${n}`;
