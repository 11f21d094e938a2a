// The ended-session counters behind GET /stats: counted once per session, by the winner of the
// write that ended it, so a retry or a duplicate event never counts twice.
import { type EndReason, type Session, iso } from '../domain/session';
import { type UseCaseDeps } from './use-case-deps';

/**
 * Counts an ended session. Best-effort: a failure is logged, never thrown, because the end itself
 * has happened and its event and slot release must still follow. The counts may therefore fall
 * short by the ends logged here; they never run over (README "HTTP API", GET /stats).
 */
export const countEndedQuietly = async (deps: Pick<UseCaseDeps, 'store' | 'clock' | 'log'>, ended: Session, reason: EndReason): Promise<void> => {
  if (ended.status !== 'stopped' && ended.status !== 'failed') return;
  try {
    await deps.store.countEnded({ status: ended.status, reason, at: ended.endedAt ?? iso(deps.clock.now()) });
  } catch (error) {
    deps.log.warn('could not count an ended session; GET /stats falls one short', { sessionId: ended.id, error: String(error) });
  }
};
