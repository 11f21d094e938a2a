// Admin statistics.
// Primary course: counts by status over the whole table, and for the live sessions their activity
// levels, how many are overdue and which is the oldest.
import { type SessionStats } from '../../contract/wire';
import { type UseCaseDeps } from './use-case-deps';
import { summarizeLive } from './live-summary';

export const getStats = async (deps: Pick<UseCaseDeps, 'store' | 'clock'>): Promise<SessionStats> => {
  const [counts, live] = await Promise.all([deps.store.countByStatus(), deps.store.listLive()]);
  return { byStatus: counts.byStatus, ...summarizeLive(live, deps.clock.now()) };
};
