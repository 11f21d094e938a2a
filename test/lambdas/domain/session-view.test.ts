// toSessionView: what the API shows. Bookkeeping (hashes, task ARN, schedule, version) must never
// leak to a client.
import { describe, expect, it } from 'vitest';
import { iso } from '../../../lambdas/domain/session';
import { toSessionView } from '../../../lambdas/domain/session-view';
import { sessionFixture } from '../../support/session-fixture';
import { MINUTE, T0 } from '../../support/time';

const BOOKKEEPING = [
  'version',
  'activityTokenHash',
  'requestHash',
  'taskArn',
  'scheduleName',
  'scheduleSeq',
  'warnedFor',
] as const;

describe('toSessionView', () => {
  const session = sessionFixture({
    now: T0,
    connections: 1,
    metadata: { course: 'ml-101' },
    warnedAt: iso(T0 + 10 * MINUTE),
    warnedFor: iso(T0 + 15 * MINUTE),
    taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/cluster/0123456789abcdef',
    scheduleName: 'abc-3',
    scheduleSeq: 3,
    activityTokenHash: 'f'.repeat(64),
    requestHash: 'e'.repeat(64),
    version: 7,
  });

  it('drops every bookkeeping field', () => {
    const view = toSessionView(session, T0);

    for (const field of BOOKKEEPING) expect(view).not.toHaveProperty(field);
    const shown = JSON.stringify(view);
    expect(shown).not.toContain('f'.repeat(64));
    expect(shown).not.toContain('e'.repeat(64));
    expect(shown).not.toContain('arn:aws:ecs');
  });

  it('keeps every other field and adds the activity level at the given time', () => {
    const view = toSessionView(session, T0 + 5 * MINUTE);

    const { version: _v, activityTokenHash: _h, requestHash: _r, taskArn: _t, scheduleName: _n, scheduleSeq: _s, warnedFor: _w, ...rest } =
      session;
    expect(view).toEqual({ ...rest, activityLevel: 'idle' });
  });

  it('shows a session whose clients all left as disconnected', () => {
    const gone = sessionFixture({ now: T0, connections: 0, disconnectedAt: iso(T0) });

    expect(toSessionView(gone, T0).activityLevel).toBe('disconnected');
  });

  it('does not change the stored session', () => {
    const copy = structuredClone(session);

    toSessionView(session, T0);

    expect(session).toEqual(copy);
  });
});
