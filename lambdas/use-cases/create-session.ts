// Create a session.
// Primary course: validate the profile and timeouts, claim the Idempotency-Key (if given; a replay
// ends here), take one of the owner's live-session slots of the profile (its per-owner limit, see
// owner-slots), take their workspace of the profile if it has one (workspace-use), write the session as `starting` (first schedule `<id>-1`, and `queuedAt`), arm that
// schedule, queue its start (start-session runs the task at the rate ECS allows; README "Starting
// at the rate ECS allows") and publish "Session Created". Without a start queue the task is run
// inside this request, as before the queue (SESSION_ID, SESSION_API_URL, and the activity token for
// a runner that can keep it off the record).
// The activity token is returned once and only its hash is stored. Any failure after the write
// leaves no running task and a `failed` record (start_failed), which gives the slot back.
import { randomUUID } from 'node:crypto';
import { nextScheduledStopMs } from '../../contract/scheduled-stop';
import { computeDeadline, nextFireAtMs } from '../domain/deadline-policy';
import { LimitExceededError, UnavailableError, ValidationError } from '../domain/errors';
import { type Profile, effectiveTimeouts } from '../domain/profile';
import { type Session, iso, scheduleNameFor } from '../domain/session';
import { type SessionWorkspace } from '../domain/workspace';
import { newActivityToken, sha256Hex } from './activity-token';
import { armSchedule } from './arm-schedule';
import { type UseCaseDeps } from './use-case-deps';
import { claimSessionId, requestHashOf } from './idempotency';
import { releaseOwnerSlotQuietly, slotPoolOf, takeOwnerSlot } from './owner-slots';
import { takeWorkspace } from './workspace-use';
import { publishEvents } from './publish-events';
import { StartError, failStart, runTask } from './start-session';

export interface CreateSessionInput {
  ownerId: string;
  profile: string;
  idleTimeoutSeconds?: number;
  maxLifetimeSeconds?: number;
  metadata?: Record<string, string>;
  idempotencyKey?: string;
}

export interface CreateSessionResult {
  session: Session;
  /** Only when this call created the session; replays never see it again. */
  activityToken?: string;
  replayed: boolean;
}

/** At most this many metadata keys reach the table: the HTTP schema says so first (http/schemas-on-first-use.ts), this cap holds for every caller. */
export const MAX_METADATA_KEYS = 16;

/** Create uses every port: the key, the slot, the record, the schedule, the task and the event. */
export const createSession = async (deps: UseCaseDeps, input: CreateSessionInput): Promise<CreateSessionResult> => {
  const profile = await profileNamed(deps, input.profile);
  const timeouts = effectiveTimeouts(profile, input);
  const metadata = { ...(input.metadata ?? {}) };
  if (Object.keys(metadata).length > MAX_METADATA_KEYS) {
    throw new ValidationError('metadata', `metadata may have at most ${MAX_METADATA_KEYS} keys`);
  }
  const requestHash = requestHashOf({ ...input, metadata });

  let sessionId: string = randomUUID();
  if (input.idempotencyKey !== undefined) {
    const claim = await claimSessionId(deps, { ownerId: input.ownerId, idempotencyKey: input.idempotencyKey, requestHash, sessionId });
    sessionId = claim.sessionId;
    if (!claim.claimed) {
      const existing = await deps.store.get(sessionId);
      if (existing !== undefined) return { session: existing, replayed: true };
      // The request that claimed the key has not written its session: it is still in flight, or it
      // failed before writing (a limit, a throttle). Carry on with the claimed id rather than wait:
      // the session write is conditional on the id being new, so exactly one of us creates it and
      // the other answers as a replay, and a key is never burnt by a request that failed early.
    }
  }

  // The slot is claimed for the session id, so a request with the same key claims the same slot.
  // Each profile's limit counts only its own sessions (README, Profiles).
  const pool = slotPoolOf({ ownerId: input.ownerId, profile: profile.name });
  if (!(await takeOwnerSlot(deps, pool, sessionId, profile.maxSessionsPerOwner))) {
    // With a key, the other request for it may have created the session meanwhile (and ended it since).
    const existing = input.idempotencyKey !== undefined ? await deps.store.get(sessionId) : undefined;
    if (existing !== undefined) return { session: existing, replayed: true };
    throw new LimitExceededError(`at most ${profile.maxSessionsPerOwner} live ${profile.name} sessions per owner`);
  }

  const workspace = await workspaceFor(deps, { ownerId: input.ownerId, profile, sessionId });
  const activityToken = newActivityToken();
  const draft = {
    ...newSession(deps, { sessionId, input, profile, timeouts, metadata, requestHash, activityToken }),
    ...(workspace !== undefined && { workspace }),
  };
  // If this write throws, the slot stays claimed: the write may have landed, and giving the slot back
  // would let that session run uncounted. If it did not land, the claim goes stale (owner-slots).
  // If it answers `false` under a key, the session that exists holds this very slot: keep it.
  if (!(await deps.store.create(draft))) {
    const existing = await deps.store.get(sessionId);
    if (input.idempotencyKey !== undefined && existing !== undefined) return { session: existing, replayed: true };
    throw new Error(`session id ${sessionId} exists already`);
  }

  const session = await startTask(deps, draft, activityToken);
  deps.metrics.count('SessionsCreated');
  deps.log.info('session created', { sessionId, profile: profile.name, status: session.status });
  await publishEvents(deps, [
    { type: 'Session Created', detail: { sessionId, ownerId: session.ownerId, profile: session.profile, expiresAt: session.expiresAt } },
  ]);
  return { session, activityToken, replayed: false };
};

/**
 * Takes the owner's workspace of the profile, if it has workspaces (README "Workspaces"). If it
 * cannot be had (in use by another of their sessions: 409), the slot just taken is given back.
 */
const workspaceFor = async (
  deps: UseCaseDeps,
  a: { ownerId: string; profile: Profile; sessionId: string },
): Promise<SessionWorkspace | undefined> => {
  const policy = a.profile.workspace;
  if (policy === undefined) return undefined;
  const { workspaces } = deps;
  if (workspaces === undefined) {
    await releaseOwnerSlotQuietly(deps, { id: a.sessionId, ownerId: a.ownerId, profile: a.profile.name });
    throw new ValidationError('profile', 'profile: its workspace is not available on this deployment');
  }
  try {
    return await takeWorkspace({ ...deps, workspaces }, { ownerId: a.ownerId, profile: a.profile.name, sessionId: a.sessionId, policy });
  } catch (error) {
    await releaseOwnerSlotQuietly(deps, { id: a.sessionId, ownerId: a.ownerId, profile: a.profile.name });
    throw error;
  }
};

const profileNamed = async (deps: Pick<UseCaseDeps, 'profiles'>, name: string): Promise<Profile> => {
  const profile = await deps.profiles.profileNamed(name);
  if (profile === undefined) throw new ValidationError('profile', 'profile: no such profile is configured');
  return profile;
};

const newSession = (
  deps: Pick<UseCaseDeps, 'clock' | 'startQueue'>,
  a: {
    sessionId: string;
    input: CreateSessionInput;
    profile: Profile;
    timeouts: Session['timeouts'];
    metadata: Record<string, string>;
    requestHash: string;
    activityToken: string;
  },
): Session => {
  const now = deps.clock.now();
  // Quiet hours: the first scheduled stop after creation, fixed now like the hard cap.
  const scheduledStopMs = a.timeouts.scheduledStop && nextScheduledStopMs(a.timeouts.scheduledStop, now);
  const base = {
    lastActivityAt: iso(now),
    openConnections: {},
    // Queued: the idle clock waits for RUNNING (deadline-policy); without a queue the task starts now.
    ...(deps.startQueue !== undefined && { queuedAt: iso(now) }),
    maxExpiresAt: iso(now + a.timeouts.maxLifetimeSeconds * 1000),
    ...(scheduledStopMs !== undefined && { scheduledStopAt: iso(scheduledStopMs) }),
    timeouts: a.timeouts,
  };
  const deadline = computeDeadline(base);
  return {
    id: a.sessionId,
    ownerId: a.input.ownerId,
    profile: a.profile.name,
    status: 'starting',
    createdAt: iso(now),
    ...base,
    expiresAt: iso(deadline.expiresAtMs),
    expiryReason: deadline.reason,
    metadata: a.metadata,
    scheduleName: scheduleNameFor(a.sessionId, 1),
    scheduleSeq: 1,
    activityTokenHash: sha256Hex(a.activityToken),
    requestHash: a.requestHash,
    version: 1,
  };
};

/** Arms the first schedule, then queues the start or (no queue) runs the task now, compensating on every failure. */
const startTask = async (deps: UseCaseDeps, session: Session, activityToken: string): Promise<Session> => {
  try {
    await armSchedule(deps, session.id, 1, firstFireAtMs(session));
  } catch (error) {
    await failStart(deps, session, 'arm', error);
    throw new UnavailableError('could not arm the expiry schedule; try again', error);
  }

  if (deps.startQueue !== undefined) {
    try {
      await deps.startQueue.enqueue({ sessionId: session.id, activityToken, attempt: 1 });
    } catch (error) {
      await failStart(deps, session, 'enqueue', error);
      throw new UnavailableError('could not queue the session start; try again', error);
    }
    return session;
  }

  try {
    return await runTask(deps, session, activityToken);
  } catch (error) {
    if (!(error instanceof StartError)) throw error;
    await failStart(deps, session, error.step, error.cause);
    throw new UnavailableError(
      error.step === 'run_task' ? 'could not start the session task; try again' : 'could not record the session task; try again',
      error.cause,
    );
  }
};

/**
 * The first schedule fires when the deadline would be had the task started at once: the earliest
 * the idle deadline can be. A later deadline (the start took a while) is re-armed lazily by that
 * fire (expire-session), so reaching RUNNING never needs a Scheduler call.
 */
const firstFireAtMs = (session: Session): number => {
  const ifStartedNow = computeDeadline({ ...session, startedAt: session.createdAt });
  return Math.min(nextFireAtMs(session), nextFireAtMs({ ...session, expiresAt: iso(ifStartedNow.expiresAtMs) }));
};
