// How durations and deadlines read in the human output: short, two units at most, overdue said so.
import { describe, expect, it } from 'vitest';
import { expiresIn, formatDuration, formatSessionDetails, reasonOf } from '../../cli/session-format';
import { formatTable } from '../../cli/table';
import { T0 } from '../support/time';
import { sessionView } from './fake-api';

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45_000, '45s'],
    [60_000, '1m'],
    [845_000, '14m 05s'],
    [3 * 3600_000 + 2 * 60_000 + 59_000, '3h 02m'],
    [2 * 86_400_000 + 4 * 3600_000, '2d 4h'],
    [86_400_000, '1d'],
  ])('%i ms reads %s', (durationMs, text) => {
    expect(formatDuration(durationMs)).toBe(text);
  });
});

describe('expiresIn and reasonOf', () => {
  it('says how far past its deadline an overdue live session is', () => {
    expect(expiresIn(sessionView({ expiresAt: new Date(T0 - 5000).toISOString() }), T0)).toBe('overdue 5s');
  });

  it('shows no countdown once a session is stopping or ended', () => {
    expect(expiresIn(sessionView({ status: 'stopping', endReason: 'user_request' }), T0)).toBe('-');
    expect(expiresIn(sessionView({ status: 'failed', endReason: 'start_failed' }), T0)).toBe('-');
  });

  it('names the end reason of an ended session and the binding deadline of a live one', () => {
    expect(reasonOf(sessionView({ status: 'stopped', endReason: 'task_exited' }))).toBe('task_exited');
    expect(reasonOf(sessionView({ expiryReason: 'max_lifetime' }))).toBe('max_lifetime');
  });
});

describe('formatSessionDetails', () => {
  it("shows a session's scheduled stop: when, and the profile's expression it came from", () => {
    const base = sessionView();
    const stopAt = new Date(T0 + 3600_000).toISOString();
    const view = sessionView({
      scheduledStopAt: stopAt,
      expiresAt: stopAt,
      expiryReason: 'scheduled_stop',
      timeouts: { ...base.timeouts, scheduledStop: { cron: '0 20 * * *', timezone: 'Europe/Zurich' } },
    });

    const details = formatSessionDetails(view, T0);

    expect(details).toContain(`scheduled stop: ${stopAt} (in 1h)`);
    expect(details).toContain(`${stopAt} (in 1h), scheduled_stop`);
    expect(details).toContain('stop at "0 20 * * *" Europe/Zurich');
  });

  it("shows the client connections and, apart, whether the session agent's is open", () => {
    expect(formatSessionDetails(sessionView({ connections: 0, agentConnected: true, activityLevel: 'disconnected' }), T0)).toContain(
      'activity:       disconnected (0 connections, agent connected)',
    );
    expect(formatSessionDetails(sessionView({ connections: 1, agentConnected: false, activityLevel: 'idle' }), T0)).toContain('idle (1 connection)');
  });

  it("shows the task's resources past the profile's threshold, or none", () => {
    const since = new Date(T0 - 120_000).toISOString();
    const view = sessionView({ resourceWarnings: [{ resource: 'memory', percent: 93.5, since }] });

    expect(formatSessionDetails(view, T0)).toContain(`resources:      memory 93.5 % since ${since} (2m ago)`);
    expect(formatSessionDetails(sessionView(), T0)).toMatch(/resources: +-$/m);
  });
});


describe('formatTable', () => {
  it('pads columns to the widest cell and right-aligns numeric ones', () => {
    const table = formatTable(
      [
        { name: 'a', n: '5' },
        { name: 'longer', n: '120' },
      ],
      [
        { header: 'name', value: (r) => r.name },
        { header: 'n', value: (r) => r.n, right: true },
      ],
    );
    expect(table.split('\n')).toEqual(['NAME      N', 'a         5', 'longer  120']);
  });
});

describe('formatSessionDetails of a queued start', () => {
  it('says when it was queued and where it stands in line', () => {
    const queuedAt = new Date(T0 - 2000).toISOString();
    const text = formatSessionDetails(sessionView({ status: 'starting', queuedAt, queuePosition: 42, startEstimateSeconds: 3 }), T0);
    expect(text).toMatch(new RegExp(`queued: +${queuedAt} \\(2s ago\\); 42 ahead in line, starts in about 3s`));
  });
});
