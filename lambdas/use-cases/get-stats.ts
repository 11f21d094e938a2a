// Admin statistics.
// Primary course: counts by status over the whole table, and for the live sessions their activity
// levels, how many are overdue and which is the oldest.
import { type ActivityLevel } from '../domain/deadline-policy';
import { type SessionStatus } from '../domain/session';
import { type UseCaseDeps } from './deps';
import { summarizeLive } from './live-summary';

export interface SessionStats {
  byStatus: Record<SessionStatus, number>;
  byActivityLevel: Record<ActivityLevel, number>;
  live: number;
  overdue: number;
  oldestLive?: { sessionId: string; createdAt: string };
}

export const getStats = async (deps: UseCaseDeps): Promise<SessionStats> => {
  const [counts, live] = await Promise.all([deps.store.countByStatus(), deps.store.listLive()]);
  return { byStatus: counts.byStatus, ...summarizeLive(live, deps.clock.now()) };
};
