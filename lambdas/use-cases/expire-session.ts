// A session's schedule fired. This is where lazy re-arming happens (README "How a session's
// deadline works").
// Primary course: re-read the session; if its deadline has come, win `→ stopping` (endReason = the
// deadline that bound) and stop the task. If the deadline moved later since the schedule was armed
// (heartbeats, extends), arm one new schedule `<id>-<n+1>` for it and return. If a pre-expiry
// warning is due, publish "Session Expiring" once for this deadline and arm for the deadline itself.
// Fires that the record does not name are stale and do nothing, except that any fire sends again
// the stop of a `stopping` session whose StopTask failed (end-session.ts).
import { nextFireAtMs, warningDue } from '../domain/deadline-policy';
import { UnavailableError } from '../domain/errors';
import { type Session, iso, isEnded, ms } from '../domain/session';
import { ACCEPTS_ACTIVITY } from '../domain/state-machine';
import { type ExpiryFire } from '../ports/expiry-scheduler';
import { type SessionPatch } from '../ports/session-store';
import { type ArmedSchedule, MAX_ARMS_PER_FIRE, armNextSchedule } from './arm-schedule';
import { type UseCaseDeps } from './use-case-deps';
import { type EndSessionDeps, beginStop, resendUnconfirmedStop } from './end-session';
import { publishEvents } from './publish-events';

export type ExpireOutcome = 'missing' | 'stale' | 'already_ended' | 'rearmed' | 'warned' | 'stopping' | 'stop_resent';

/** Attempts when a heartbeat or another write lands between our read and our write (each may arm once). */
const MAX_ATTEMPTS = MAX_ARMS_PER_FIRE;

export const expireSession = async (deps: EndSessionDeps, fire: ExpiryFire): Promise<{ outcome: ExpireOutcome }> => {
  let armedSeq = 0;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const session = await deps.store.get(fire.sessionId);
    if (session === undefined) {
      deps.log.info('fire for a session that does not exist', { ...fire });
      return { outcome: 'missing' };
    }
    // Checked before staleness: ending clears the schedule name, and "already ended" says more. A
    // stop whose StopTask failed (this may be the retry of the fire that won) is sent again; if it
    // fails again this throws, and the fire is retried once more.
    if (session.status === 'stopping' && (await resendUnconfirmedStop(deps, session)) !== undefined) {
      return { outcome: 'stop_resent' };
    }
    if (session.status === 'stopping' || isEnded(session.status)) {
      deps.log.info('fire for a session already ending', { ...fire, status: session.status });
      return { outcome: 'already_ended' };
    }
    if (session.scheduleName !== fire.scheduleName) {
      deps.metrics.count('StaleFires');
      deps.log.info('stale fire', { ...fire, current: session.scheduleName });
      return { outcome: 'stale' };
    }

    const now = deps.clock.now();
    const deadline = ms(session.expiresAt);
    if (now < deadline) {
      if (warningDue(session, now)) {
        // Arm for the deadline itself first, then record the warning; only the writer that wins
        // publishes, so a duplicate delivery of this fire cannot warn twice.
        const armed = await armNextSchedule(deps, session, deadline, armedSeq);
        armedSeq = armed.scheduleSeq;
        if (await nameSchedule(deps, session, armed, { warnedAt: iso(now), warnedFor: session.expiresAt })) {
          deps.metrics.count('WarningsSent');
          await publishEvents(deps, [
            {
              type: 'Session Expiring',
              detail: { sessionId: session.id, ownerId: session.ownerId, expiresAt: session.expiresAt, reason: session.expiryReason },
            },
          ]);
          return { outcome: 'warned' };
        }
        continue;
      }
      // The deadline moved later since this schedule was armed: arm one for the new time.
      const armed = await armNextSchedule(deps, session, nextFireAtMs(session), armedSeq);
      armedSeq = armed.scheduleSeq;
      if (await nameSchedule(deps, session, armed, {})) {
        deps.log.info('re-armed for a later deadline', { sessionId: session.id, scheduleName: armed.scheduleName, expiresAt: session.expiresAt });
        return { outcome: 'rearmed' };
      }
      continue;
    }

    const result = await beginStop(deps, session, { reason: session.expiryReason, actor: 'system', exactVersion: true, disarm: false });
    if (result.won) {
      deps.metrics.observe('ExpiryLagMs', now - deadline, 'Milliseconds');
      deps.log.info('session expired', { sessionId: session.id, reason: session.expiryReason, lagMs: now - deadline });
      return { outcome: 'stopping' };
    }
    if (result.current === undefined) return { outcome: 'missing' };
    if (!ACCEPTS_ACTIVITY.includes(result.current.status)) return { outcome: 'already_ended' };
    // A heartbeat landed between our read and our write: decide again on the new record.
  }
  throw new UnavailableError(`session ${fire.sessionId} changed too often to expire; the fire will be retried`);
};

/** Points the record at the schedule just armed, if nothing changed since we read it. */
const nameSchedule = async (deps: Pick<UseCaseDeps, 'store' | 'log'>, session: Session, armed: ArmedSchedule, extra: SessionPatch): Promise<boolean> => {
  const result = await deps.store.update(
    session.id,
    { ...extra, scheduleName: armed.scheduleName, scheduleSeq: armed.scheduleSeq },
    { version: session.version, statusIn: ACCEPTS_ACTIVITY },
  );
  if (!result.ok) deps.log.debug('session changed before the new schedule was named; deciding again', { sessionId: session.id });
  return result.ok;
};
