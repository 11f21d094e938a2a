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
    openConnections: { 'tab-7f3a': iso(T0), 'kernel.private-name': iso(T0 + MINUTE) },
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

    const {
      version: _v,
      activityTokenHash: _h,
      requestHash: _r,
      taskArn: _t,
      scheduleName: _n,
      scheduleSeq: _s,
      warnedFor: _w,
      openConnections: _o,
      ...rest
    } = session;
    expect(view).toEqual({ ...rest, connections: 2, agentConnected: false, activityLevel: 'idle' });
  });

  it('shows how many connections are open, never their ids (the clients chose them)', () => {
    const view = toSessionView(session, T0);

    expect(view.connections).toBe(2);
    expect(view).not.toHaveProperty('openConnections');
    expect(JSON.stringify(view)).not.toContain('kernel.private-name');
  });

  it("shows the session agent's connection as agentConnected, never in connections nor by its id", () => {
    const withAgent = sessionFixture({ now: T0, openConnections: {}, agentConnections: { 'agent-0a1b2c3d4e5f': iso(T0) }, disconnectedAt: iso(T0) });

    const view = toSessionView(withAgent, T0);

    expect(view).toMatchObject({ connections: 0, agentConnected: true, activityLevel: 'disconnected' });
    expect(view).not.toHaveProperty('agentConnections');
    expect(JSON.stringify(view)).not.toContain('agent-0a1b2c3d4e5f');
  });

  it('shows a session whose clients all left as disconnected', () => {
    const gone = sessionFixture({ now: T0, openConnections: {}, disconnectedAt: iso(T0) });

    expect(toSessionView(gone, T0).activityLevel).toBe('disconnected');
  });

  it('warns inside the warning lead of the deadline, for a session that can still be kept', () => {
    const warned = sessionFixture({ now: T0, scheduledStopAt: iso(T0 + 10 * MINUTE), timeouts: { warnBeforeSeconds: 120 } });

    expect(toSessionView(warned, T0 + 8 * MINUTE - 1)).not.toHaveProperty('warning');
    expect(toSessionView(warned, T0 + 8 * MINUTE + 1500).warning).toEqual({
      at: iso(T0 + 10 * MINUTE),
      reason: 'scheduled_stop',
      secondsLeft: 118,
      extendRoute: `POST /sessions/${warned.id}/extend`,
    });
    expect(toSessionView(warned, T0 + 11 * MINUTE).warning?.secondsLeft).toBe(0);
    expect(toSessionView({ ...warned, status: 'stopping' }, T0 + 9 * MINUTE)).not.toHaveProperty('warning');
    expect(toSessionView({ ...warned, timeouts: { ...warned.timeouts, warnBeforeSeconds: undefined } }, T0 + 9 * MINUTE)).not.toHaveProperty('warning');
  });

  it('does not change the stored session', () => {
    const copy = structuredClone(session);

    toSessionView(session, T0);

    expect(session).toEqual(copy);
  });
});
