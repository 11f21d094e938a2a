// Create a session.
// Primary course: validate the profile and timeouts, claim the Idempotency-Key (if given; a replay
// ends here), take one of the owner's live-session slots of the profile (its per-owner limit, see
// owner-slots), write the session as `starting` (first schedule `<id>-1`), arm that schedule, run
// the task (SESSION_ID, SESSION_API_URL, and the activity token for a runner that can keep it off
// the record), store its ARN and publish "Session Created".
// The activity token is returned once and only its hash is stored. Any failure after the write
// leaves no running task and a `failed` record (start_failed), which gives the slot back.
import { randomUUID } from 'node:crypto';
import { nextScheduledStopMs } from '../../contract/scheduled-stop';
import { computeDeadline, nextFireAtMs } from '../domain/deadline-policy';
import { LimitExceededError, UnavailableError, ValidationError } from '../domain/errors';
import { type Profile, effectiveTimeouts } from '../domain/profile';
import { type EndReason, type Session, iso, scheduleNameFor } from '../domain/session';
import { newActivityToken, sha256Hex } from './activity-token';
import { armSchedule } from './arm-schedule';
import { type UseCaseDeps } from './use-case-deps';
import { type EndSessionDeps, type RecordEndedDeps, recordEnded, stopReasonText } from './end-session';
import { claimSessionId, requestHashOf } from './idempotency';
import { slotPoolOf, takeOwnerSlot } from './owner-slots';
import { publishEvents } from './publish-events';

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

/** The HTTP layer validates metadata sizes; this is a defensive cap on what reaches the table. */
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

  const activityToken = newActivityToken();
  const draft = newSession(deps, { sessionId, input, profile, timeouts, metadata, requestHash, activityToken });
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

const profileNamed = async (deps: Pick<UseCaseDeps, 'profiles'>, name: string): Promise<Profile> => {
  const profile = await deps.profiles.profileNamed(name);
  if (profile === undefined) throw new ValidationError('profile', 'profile: no such profile is configured');
  return profile;
};

const newSession = (
  deps: Pick<UseCaseDeps, 'clock'>,
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

/** Arms the first schedule, runs the task and stores its ARN, compensating on every failure. */
const startTask = async (deps: UseCaseDeps, session: Session, activityToken: string): Promise<Session> => {
  try {
    await armSchedule(deps, session.id, 1, nextFireAtMs(session));
  } catch (error) {
    await failStart(deps, session, 'arm', error);
    throw new UnavailableError('could not arm the expiry schedule; try again', error);
  }

  let taskArn: string;
  try {
    ({ taskArn } = await deps.tasks.start({
      sessionId: session.id,
      ownerId: session.ownerId,
      profile: session.profile,
      environment: { SESSION_ID: session.id, SESSION_API_URL: deps.settings.apiUrl },
      activityToken,
    }));
  } catch (error) {
    // If RunTask did start a task before failing, its session is now `failed`: the sweep stops it as an orphan.
    await failStart(deps, session, 'run_task', error);
    throw new UnavailableError('could not start the session task; try again', error);
  }

  let stored;
  try {
    stored = await deps.store.update(session.id, { taskArn }, { statusIn: ['starting'] });
  } catch (error) {
    // We cannot tell whether the ARN was stored: never leave a task running that nothing tracks.
    await stopQuietly(deps, session.id, taskArn);
    await failStart(deps, session, 'store_task', error);
    throw new UnavailableError('could not record the session task; try again', error);
  }
  if (stored.ok) return stored.session;
  return settleChangedDuringStart(deps, session, stored.current, taskArn);
};

/**
 * The session changed while its task was starting. Either the task's own RUNNING/STOPPED event got
 * there first (the record already names our task: nothing to do), or the session was terminated
 * before it knew a task (the terminator had nothing to stop, so we stop it and finish the end).
 */
const settleChangedDuringStart = async (deps: EndSessionDeps, session: Session, current: Session | undefined, taskArn: string): Promise<Session> => {
  if (current?.taskArn === taskArn) return current;
  deps.log.info('session ended while its task was starting; stopping the task', { sessionId: session.id, status: current?.status });
  await stopQuietly(deps, session.id, taskArn, current?.endReason);
  if (current === undefined) throw new Error(`session ${session.id} disappeared while starting`);
  if (current.status !== 'stopping') return current;
  const ended = await recordEnded(deps, current, { from: ['stopping'], status: 'stopped', taskArn });
  return ended.ok ? ended.session : (ended.current ?? current);
};

const stopQuietly = async (deps: Pick<UseCaseDeps, 'tasks' | 'log'>, sessionId: string, taskArn: string, reason: EndReason = 'start_failed'): Promise<void> => {
  try {
    await deps.tasks.stop(taskArn, stopReasonText(reason));
  } catch (error) {
    // The sweep stops it as an orphan (its session has ended) once the orphan grace has passed.
    deps.log.error('could not stop the task of a session that did not start', { sessionId, taskArn, error: String(error) });
  }
};

/** Marks the session failed/start_failed. Best-effort: a session stuck in `starting` is repaired by the sweep. */
const failStart = async (deps: RecordEndedDeps, session: Session, step: string, error: unknown): Promise<void> => {
  deps.metrics.count('StartFailures');
  deps.log.error('session start failed', { sessionId: session.id, step, error: String(error) });
  try {
    await recordEnded(deps, session, { from: ['starting'], status: 'failed', endReason: 'start_failed' });
  } catch (markError) {
    deps.log.error('could not mark the session failed; the sweep will', { sessionId: session.id, error: String(markError) });
  }
};
