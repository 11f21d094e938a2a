// Admin statistics.
// Primary course: the live sessions from the sparse deadline index (by status, by activity level,
// how many are overdue, which is the oldest) and the ended sessions from the counters kept as each
// one ends. Neither reads an ended session, so the cost follows the live count, never the history.
import { type SessionStats } from '../../contract/wire';
import { LIVE_STATUSES, type SessionStatus } from '../domain/session';
import { type UseCaseDeps } from './use-case-deps';
import { summarizeLive } from './live-summary';

export const getStats = async (deps: Pick<UseCaseDeps, 'store' | 'clock'>): Promise<SessionStats> => {
  const [ended, live] = await Promise.all([deps.store.endedCounts(), deps.store.listLive()]);
  const byStatus = {
    ...(Object.fromEntries(LIVE_STATUSES.map((status) => [status, 0])) as Record<SessionStatus, number>),
    ...ended.byStatus,
  };
  for (const session of live) byStatus[session.status] += 1;
  return {
    byStatus,
    byEndReason: ended.byEndReason,
    ...(ended.since !== undefined && { endedSince: ended.since }),
    ...summarizeLive(live, deps.clock.now()),
  };
};
