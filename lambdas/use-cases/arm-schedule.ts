// Arming is always arm-then-write: a schedule is armed under a new name `<id>-<n>` BEFORE the record
// names it. An armed schedule the record does not name is merely stale (its fire does nothing); a
// named schedule that was never armed would be a missed expiry.
import { type DeadlinePatch, nextFireAtMs } from '../domain/deadline-policy';
import { type Session, ms, scheduleNameFor } from '../domain/session';
import { type UseCaseDeps } from './use-case-deps';

export interface ArmedSchedule {
  scheduleName: string;
  scheduleSeq: number;
  fireAt: number;
}

/** Arming a schedule: the Scheduler call, the time it is armed for, and its count. */
export type ArmDeps = Pick<UseCaseDeps, 'scheduler' | 'clock' | 'metrics'>;

/** The most schedules one expiry fire arms: one per attempt of the expire use case. */
export const MAX_ARMS_PER_FIRE = 5;

/** Arms schedule number `scheduleSeq` of a session. A fire time already past fires as soon as possible. */
export const armSchedule = async (deps: ArmDeps, sessionId: string, scheduleSeq: number, fireAtMs: number): Promise<ArmedSchedule> => {
  const scheduleName = scheduleNameFor(sessionId, scheduleSeq);
  const fireAt = Math.max(fireAtMs, deps.clock.now());
  await deps.scheduler.arm({ sessionId, scheduleName, fireAt });
  deps.metrics.count('SchedulesArmed');
  return { scheduleName, scheduleSeq, fireAt };
};

/**
 * Arms the session's next schedule. `armedSeq` is the highest number this caller armed already: a
 * retry after a lost write must not reuse a name, since arming an existing name keeps its old time.
 */
export const armNextSchedule = (deps: ArmDeps, session: Session, fireAtMs: number, armedSeq = 0): Promise<ArmedSchedule> =>
  armSchedule(deps, session.id, Math.max(session.scheduleSeq, armedSeq) + 1, fireAtMs);

/**
 * Lazy re-arming keeps one invariant: the armed schedule fires no later than the deadline. Writes
 * that move the deadline later keep it for free (zero Scheduler calls); a write that moves it
 * EARLIER (the last client disconnecting under a grace shorter than the idle timeout) must arm a
 * schedule for the new deadline, or the session would outlive it until the sweep.
 *
 * It skips the numbers an expire may use: an expire that read the same record arms `<seq + 1>`
 * (up to `<seq + MAX_ARMS_PER_FIRE>` over its retries) for the LATER deadline, and may leave it
 * armed but unnamed (its write lost, or it failed after arming); arming an existing name keeps its
 * time, so reusing that name would make the session outlive its new deadline. A shortening write
 * names a number no expire can have armed: it succeeds only if nothing was written since its read,
 * so every expire that armed meanwhile read a schedule number no higher than ours.
 */
export const armIfDeadlineShortened = async (
  deps: ArmDeps,
  session: Session,
  patch: DeadlinePatch,
  armedSeq: number,
): Promise<ArmedSchedule | undefined> => {
  if (patch.expiresAt === undefined || ms(patch.expiresAt) >= ms(session.expiresAt)) return undefined;
  const next = { ...session, expiresAt: patch.expiresAt };
  return armSchedule(deps, session.id, Math.max(session.scheduleSeq, armedSeq) + MAX_ARMS_PER_FIRE + 1, nextFireAtMs(next));
};

/** Removes a schedule that is no longer needed. Best-effort: a leftover one only fires stale. */
export const disarmQuietly = async (
  deps: Pick<UseCaseDeps, 'scheduler' | 'log'>,
  sessionId: string,
  scheduleName: string | undefined,
): Promise<void> => {
  if (scheduleName === undefined) return;
  try {
    await deps.scheduler.disarm(scheduleName);
  } catch (error) {
    deps.log.warn('could not disarm schedule; its fire will be stale', { sessionId, scheduleName, error: String(error) });
  }
};
