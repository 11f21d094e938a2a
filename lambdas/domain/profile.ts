// A profile is what a user asks for: a task to run plus its timeout policy. Requests may choose
// timeouts only inside the profile's bounds; the result is snapshotted on the session.
import { type SessionTimeouts } from './session';
import { ValidationError } from './errors';

export interface TimeoutBounds {
  default: number;
  min: number;
  max: number;
}

/**
 * A profile: the bounds a request may choose its timeouts in, and the rest of the snapshot a session
 * keeps as the profile gives it (SessionTimeouts), plus what only creates use.
 */
export interface Profile extends Omit<SessionTimeouts, 'idleTimeoutSeconds' | 'maxLifetimeSeconds'> {
  name: string;
  description?: string;
  idleTimeoutSeconds: TimeoutBounds;
  maxLifetimeSeconds: TimeoutBounds;
  maxSessionsPerOwner: number;
  /**
   * The IAM role the profile's tasks run as, on AWS: a task reporting activity with its own identity
   * must be this role (README "How a task authenticates"). Absent locally and when unknown.
   */
  taskRoleArn?: string;
}

export interface TimeoutRequest {
  idleTimeoutSeconds?: number;
  maxLifetimeSeconds?: number;
}

const pick = (field: string, requested: number | undefined, bounds: TimeoutBounds): number => {
  if (requested === undefined) return bounds.default;
  if (!Number.isInteger(requested) || requested < bounds.min || requested > bounds.max) {
    throw new ValidationError(field, `${field} must be a whole number from ${bounds.min} to ${bounds.max}`);
  }
  return requested;
};

/** The timeouts a new session gets: the request within the profile's bounds, else the defaults. */
export const effectiveTimeouts = (profile: Profile, request: TimeoutRequest = {}): SessionTimeouts => {
  const idleTimeoutSeconds = pick('idleTimeoutSeconds', request.idleTimeoutSeconds, profile.idleTimeoutSeconds);
  const maxLifetimeSeconds = pick('maxLifetimeSeconds', request.maxLifetimeSeconds, profile.maxLifetimeSeconds);
  return {
    idleTimeoutSeconds,
    maxLifetimeSeconds,
    ...(profile.disconnectGraceSeconds !== undefined && { disconnectGraceSeconds: profile.disconnectGraceSeconds }),
    ...(profile.warnBeforeSeconds !== undefined && { warnBeforeSeconds: profile.warnBeforeSeconds }),
    ...(profile.scheduledStop !== undefined && { scheduledStop: { ...profile.scheduledStop } }),
    ...(profile.busy !== undefined && { busy: { ...profile.busy } }),
    resourceWarningPercent: profile.resourceWarningPercent,
    activeWithinSeconds: profile.activeWithinSeconds,
    idleWithinSeconds: profile.idleWithinSeconds,
    stopTimeoutSeconds: profile.stopTimeoutSeconds,
  };
};
