// Small helpers of the session record: timestamps, live/ended statuses, schedule names.
import { describe, expect, it } from 'vitest';
import {
  ENDED_STATUSES,
  LIVE_STATUSES,
  SESSION_STATUSES,
  isEnded,
  isLive,
  iso,
  ms,
  scheduleNameFor,
} from '../../../lambdas/domain/session';

describe('session helpers', () => {
  it('round-trips timestamps as UTC ISO 8601 with milliseconds', () => {
    const at = Date.parse('2026-03-10T12:00:00.123Z');

    expect(iso(at)).toBe('2026-03-10T12:00:00.123Z');
    expect(ms(iso(at))).toBe(at);
  });

  it('splits the statuses into live and ended, with none in both', () => {
    expect([...LIVE_STATUSES, ...ENDED_STATUSES].sort()).toEqual([...SESSION_STATUSES].sort());
    expect(SESSION_STATUSES.filter(isLive)).toEqual(['starting', 'running', 'stopping']);
    expect(SESSION_STATUSES.filter(isEnded)).toEqual(['stopped', 'failed']);
  });

  it('names the n-th schedule of a session <id>-<n>', () => {
    expect(scheduleNameFor('3f1c1a52-8c2e-4c0b-9f4e-2b8f0c6d7a11', 2)).toBe('3f1c1a52-8c2e-4c0b-9f4e-2b8f0c6d7a11-2');
  });
});
