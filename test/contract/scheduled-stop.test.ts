// A profile's scheduled stop (README "How a session's deadline works"): the next occurrence of its
// cron expression in its time zone, following DST. Europe/Zurich is UTC+1 in winter and UTC+2 in
// summer; in 2026 it springs forward on Sunday 29 March and falls back on Sunday 25 October.
import { describe, expect, it } from 'vitest';
import { cronProblem, isKnownTimeZone, nextScheduledStopMs } from '../../contract/scheduled-stop';

const ZURICH_20H = { cron: '0 20 * * *', timezone: 'Europe/Zurich' };
const at = (isoTime: string): number => Date.parse(isoTime);
const next = (isoTime: string): string | undefined => {
  const stop = nextScheduledStopMs(ZURICH_20H, at(isoTime));
  return stop === undefined ? undefined : new Date(stop).toISOString();
};

describe('nextScheduledStopMs', () => {
  it('finds 20:00 Zurich time on each side of the spring change (19:00 UTC before, 18:00 UTC on and after)', () => {
    // 19:00 local on the Saturday before (UTC+1), on the day itself and the day after (UTC+2).
    expect(next('2026-03-28T18:00:00.000Z')).toBe('2026-03-28T19:00:00.000Z');
    expect(next('2026-03-29T17:00:00.000Z')).toBe('2026-03-29T18:00:00.000Z');
    expect(next('2026-03-30T17:00:00.000Z')).toBe('2026-03-30T18:00:00.000Z');
  });

  it('finds 20:00 Zurich time on each side of the autumn change (18:00 UTC before, 19:00 UTC on and after)', () => {
    expect(next('2026-10-24T17:00:00.000Z')).toBe('2026-10-24T18:00:00.000Z');
    expect(next('2026-10-25T18:00:00.000Z')).toBe('2026-10-25T19:00:00.000Z');
    expect(next('2026-10-26T18:00:00.000Z')).toBe('2026-10-26T19:00:00.000Z');
  });

  it('is strictly after the given instant: created at 20:00 exactly, the session lives to the next day', () => {
    expect(next('2026-03-10T19:00:00.000Z')).toBe('2026-03-11T19:00:00.000Z');
    expect(next('2026-03-10T18:59:59.999Z')).toBe('2026-03-10T19:00:00.000Z');
  });

  it('follows the weekday field in the zone (weekdays at 18:30)', () => {
    // Friday 2026-03-13 19:00 Zurich: the next weekday 18:30 is Monday the 16th.
    expect(new Date(nextScheduledStopMs({ cron: '30 18 * * 1-5', timezone: 'Europe/Zurich' }, at('2026-03-13T18:00:00.000Z')) ?? 0).toISOString()).toBe(
      '2026-03-16T17:30:00.000Z',
    );
  });
});

describe('validation helpers', () => {
  it('accepts five-field expressions and refuses others, naming the problem', () => {
    expect(cronProblem('0 20 * * *')).toBeUndefined();
    expect(cronProblem('0 20 * *')).toMatch(/five fields/);
    expect(cronProblem('0 0 20 * * *')).toMatch(/five fields/);
    expect(cronProblem('61 20 * * *')).toBeDefined();
    expect(cronProblem('0 20 30 2 *')).toMatch(/never occurs/);
  });

  it('knows IANA zones and refuses made-up ones', () => {
    expect(isKnownTimeZone('Europe/Zurich')).toBe(true);
    expect(isKnownTimeZone('UTC')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});
