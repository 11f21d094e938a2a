// Per-session resource warnings (README "Resource warnings"): the `usage` an activity report carries
// raises a warning on the record, and one `Session Resource Warning`, once per crossing of the
// profile's resourceWarningPercent; reports that stay above write nothing; a reading below re-arms
// it. (Reports racing on the real store: connection-races.test.ts.)
import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../../lambdas/domain/errors';
import { type Session, iso } from '../../../lambdas/domain/session';
import { toSessionView } from '../../../lambdas/domain/session-view';
import { type RecordHeartbeatInput, recordHeartbeat } from '../../../lambdas/use-cases/record-heartbeat';
import { terminateSession } from '../../../lambdas/use-cases/terminate-session';
import { type FakeDeps, MINUTE, T0, TEST_PROFILES, makeDeps, throttled } from '../../support/fakes';
import { caught } from '../../support/thrown';
import { OWNER, runningSession, seedSession } from './steps';

const owner = { type: 'owner', ownerId: OWNER } as const;

type Usage = { memoryPercent?: number; diskPercent?: number };

const report = (d: FakeDeps, id: string, usage: Usage, kind: 'ping' | 'interaction' | 'busy' | 'connect' = 'ping') => {
  const heartbeat: RecordHeartbeatInput =
    kind === 'connect' ? { id, kind, connectionId: 'tab-a', usage, auth: owner } : { id, kind, usage, auth: owner };
  return recordHeartbeat(d, heartbeat);
};

describe('resource warnings from activity reports', () => {
  let d: FakeDeps;
  beforeEach(() => {
    d = makeDeps();
  });

  it('a report at or above the threshold warns once: one event, one write, the warning on the session', async () => {
    const { session } = await runningSession(d); // notebook: resourceWarningPercent 90
    d.clock.advance(MINUTE);
    const writes = d.store.updates.length;

    const { session: after } = await report(d, session.id, { memoryPercent: 93.5, diskPercent: 40 });

    expect(d.events.ofType('Session Resource Warning')).toEqual([
      {
        type: 'Session Resource Warning',
        detail: { sessionId: session.id, ownerId: OWNER, profile: 'notebook', resource: 'memory', percent: 93.5, threshold: 90 },
      },
    ]);
    expect(d.store.updates).toHaveLength(writes + 1);
    expect(d.metrics.total('ResourceWarningsSent')).toBe(1);
    expect(after.resourceWarnings).toEqual([{ resource: 'memory', percent: 93.5, since: iso(T0 + MINUTE) }]);
    expect(toSessionView(after, d.clock.now()).resourceWarnings).toEqual(after.resourceWarnings);
    expect(JSON.stringify(d.events.published)).not.toMatch(/token|hash/i);
  });

  it('not again while it stays above: a ping that stays above writes nothing', async () => {
    const { session } = await runningSession(d);
    await report(d, session.id, { memoryPercent: 90 });
    const writes = d.store.updates.length;

    for (const memoryPercent of [95, 99, 91]) {
      d.clock.advance(MINUTE);
      await report(d, session.id, { memoryPercent });
    }

    expect(d.events.ofType('Session Resource Warning')).toHaveLength(1);
    expect(d.metrics.total('ResourceWarningsSent')).toBe(1);
    expect(d.store.updates).toHaveLength(writes);
    expect(d.store.peek(session.id).resourceWarnings).toEqual([{ resource: 'memory', percent: 90, since: iso(T0) }]);
  });

  it('again after it dropped below: the drop clears the warning without an event, the next crossing warns', async () => {
    const { session } = await runningSession(d);
    await report(d, session.id, { memoryPercent: 92 });
    d.clock.advance(MINUTE);

    const { session: cleared } = await report(d, session.id, { memoryPercent: 89.9 });

    expect(cleared.resourceWarnings).toBeUndefined();
    expect(d.events.ofType('Session Resource Warning')).toHaveLength(1);

    d.clock.advance(MINUTE);
    await report(d, session.id, { memoryPercent: 97 }, 'interaction');

    expect(d.events.ofType('Session Resource Warning').map((e) => e.detail.percent)).toEqual([92, 97]);
    expect(d.store.peek(session.id).resourceWarnings).toEqual([{ resource: 'memory', percent: 97, since: iso(T0 + 2 * MINUTE) }]);
  });

  it('memory and disk cross on their own; a report without a reading for one leaves its warning as it is', async () => {
    const { session } = await runningSession(d);
    await report(d, session.id, { diskPercent: 95 }, 'connect');
    d.clock.advance(MINUTE);
    await report(d, session.id, { memoryPercent: 91 }, 'busy');
    d.clock.advance(MINUTE);

    const { session: after } = await report(d, session.id, { memoryPercent: 50 });

    expect(d.events.ofType('Session Resource Warning').map((e) => e.detail.resource)).toEqual(['disk', 'memory']);
    expect(after.resourceWarnings).toEqual([{ resource: 'disk', percent: 95, since: iso(T0) }]);
    // The interaction still moved the deadline in the same write as the warning.
    expect(after.openConnections).toHaveProperty('tab-a');
  });

  it('an interaction that moves the deadline and crosses the threshold is one write', async () => {
    const { session } = await runningSession(d);
    d.clock.advance(10 * MINUTE);
    const writes = d.store.updates.length;

    const { session: after } = await report(d, session.id, { memoryPercent: 99 }, 'interaction');

    expect(d.store.updates).toHaveLength(writes + 1);
    expect(after).toMatchObject({ lastActivityAt: iso(T0 + 10 * MINUTE), resourceWarnings: [{ resource: 'memory', percent: 99 }] });
  });

  it('a profile threshold of its own is used, and named in the event', async () => {
    const notebook = TEST_PROFILES['notebook'] ?? expect.fail('no notebook profile');
    d = makeDeps({ profiles: { ...TEST_PROFILES, tight: { ...notebook, name: 'tight', resourceWarningPercent: 60 } } });
    const { session } = await runningSession(d, { profile: 'tight' });

    await report(d, session.id, { diskPercent: 60 });

    expect(d.events.ofType('Session Resource Warning')[0]?.detail).toMatchObject({ profile: 'tight', resource: 'disk', threshold: 60 });
  });

  it('a session whose snapshot predates the threshold is never warned', async () => {
    // The fixture drops undefined members: a record written before the field existed.
    const old = seedSession(d, { status: 'running', timeouts: { resourceWarningPercent: undefined } as unknown as Session['timeouts'] });
    expect(old.timeouts).not.toHaveProperty('resourceWarningPercent');

    await report(d, old.id, { memoryPercent: 100 });

    expect(d.events.published).toEqual([]);
  });

  it('a failed publish does not fail the report; the warning is on the record', async () => {
    const { session } = await runningSession(d);
    d.events.failures.failNext('publish', throttled());

    const { session: after } = await report(d, session.id, { memoryPercent: 95 });

    expect(after.resourceWarnings).toHaveLength(1);
    expect(d.metrics.total('EventPublishFailures')).toBe(1);
  });

  it('an ended session refuses the report as before (409) and warns nothing', async () => {
    const { session } = await runningSession(d);
    await terminateSession(d, { id: session.id, caller: { ownerId: OWNER, isAdmin: false } });

    expect(await caught(report(d, session.id, { memoryPercent: 95 }))).toBeInstanceOf(ConflictError);
    expect(d.events.ofType('Session Resource Warning')).toEqual([]);
  });
});
