// What the live sessions look like right now: shared by the stats use case (admin API) and the
// sweep's gauges, so the dashboard and the API never disagree on what "overdue" means.
import { ACTIVITY_LEVELS, type ActivityLevel, activityLevel } from '../domain/deadline-policy';
import { type Session, ms } from '../domain/session';

export interface LiveSummary {
  live: number;
  /** Sessions not yet stopping whose deadline has passed: the schedules are behind. */
  overdue: number;
  byActivityLevel: Record<ActivityLevel, number>;
  oldestLive?: { sessionId: string; createdAt: string };
}

export const isOverdue = (s: Session, nowMs: number): boolean =>
  (s.status === 'starting' || s.status === 'running') && ms(s.expiresAt) < nowMs;

export const summarizeLive = (live: readonly Session[], nowMs: number): LiveSummary => {
  const byActivityLevel = Object.fromEntries(ACTIVITY_LEVELS.map((level) => [level, 0])) as Record<ActivityLevel, number>;
  let overdue = 0;
  let oldest: Session | undefined;
  for (const s of live) {
    byActivityLevel[activityLevel(s, nowMs)] += 1;
    if (isOverdue(s, nowMs)) overdue += 1;
    if (oldest === undefined || ms(s.createdAt) < ms(oldest.createdAt)) oldest = s;
  }
  return {
    live: live.length,
    overdue,
    byActivityLevel,
    ...(oldest !== undefined && { oldestLive: { sessionId: oldest.id, createdAt: oldest.createdAt } }),
  };
};
