import { beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConflictError, NotFoundError, UnavailableError } from '../../../lambdas/domain/errors';
import { nextFireAtMs } from '../../../lambdas/domain/deadline-policy';
import { iso } from '../../../lambdas/domain/session';
import { expireSession } from '../../../lambdas/use-cases/expire-session';
import { recordHeartbeat } from '../../../lambdas/use-cases/record-heartbeat';
import { terminateSession } from '../../../lambdas/use-cases/terminate-session';
import { type FakeDeps, HOUR, MINUTE, SECOND, T0, makeDeps, throttled } from '../../support/fakes';
import { caught } from '../../support/thrown';
import { OWNER, fireNext, runningSession, startSession } from './steps';

const owner = { type: 'owner', ownerId: OWNER } as const;

describe('recordHeartbeat', () => {
  let d: FakeDeps;
  beforeEach(() => {
    d = makeDeps();
  });

  describe('primary course', () => {
    it('an interaction moves the deadline with one write and no Scheduler call', async () => {
      const { session } = await runningSession(d);
      const schedulerCalls = d.scheduler.calls;
      d.clock.advance(10 * MINUTE);

      const { session: after, nextReportInSeconds } = await recordHeartbeat(d, { id: session.id, kind: 'interaction', auth: owner });

      expect(after).toMatchObject({ lastActivityAt: iso(T0 + 10 * MINUTE), expiresAt: iso(T0 + 40 * MINUTE), version: session.version + 1 });
      expect(nextReportInSeconds).toBe(90); // idle 30 min: the whole batching window
      expect(d.store.peek(session.id)).toEqual(after);
      expect(d.scheduler.calls).toBe(schedulerCalls);
      expect(d.metrics.total('HeartbeatWrites')).toBe(1);
    });

    it("accepts the session's own activity token", async () => {
      const { session, activityToken } = await startSession(d);
      d.clock.advance(2 * MINUTE);

      const { session: after } = await recordHeartbeat(d, { id: session.id, kind: 'interaction', auth: { type: 'token', token: activityToken } });

      expect(after.lastActivityAt).toBe(iso(T0 + 2 * MINUTE));
    });

    it('a ping proves presence but writes nothing', async () => {
      const { session } = await runningSession(d);
      d.clock.advance(10 * MINUTE);
      const writes = d.store.updates.length;

      const { session: after, nextReportInSeconds } = await recordHeartbeat(d, { id: session.id, kind: 'ping', auth: owner });

      expect(after).toEqual(session);
      expect(nextReportInSeconds).toBe(1); // the window is long over: an interaction now would be written
      expect(d.store.updates).toHaveLength(writes);
      expect(d.metrics.total('HeartbeatsSkipped')).toBe(1);
    });

    it('interactions closer together than the batching threshold write nothing', async () => {
      const { session } = await runningSession(d); // idle 30 min: threshold 90 s
      d.clock.advance(80 * SECOND);

      await recordHeartbeat(d, { id: session.id, kind: 'interaction', auth: owner });

      expect(d.store.peek(session.id).version).toBe(session.version);
    });

    it('batched interactions are told how much of the window is left', async () => {
      const { session } = await runningSession(d); // threshold 90 s
      d.clock.advance(80 * SECOND);

      const { nextReportInSeconds } = await recordHeartbeat(d, { id: session.id, kind: 'interaction', auth: owner });

      expect(nextReportInSeconds).toBe(10);
    });

    it('connect and disconnect track the open connection ids', async () => {
      const { session } = await runningSession(d, { profile: 'lab' });

      await recordHeartbeat(d, { id: session.id, kind: 'connect', connectionId: 'tab-a', auth: owner });
      await recordHeartbeat(d, { id: session.id, kind: 'connect', connectionId: 'tab-b', auth: owner });
      const { session: after } = await recordHeartbeat(d, { id: session.id, kind: 'disconnect', connectionId: 'tab-a', auth: owner });

      expect(Object.keys(after.openConnections)).toEqual(['tab-b']);
      expect(after.disconnectedAt).toBeUndefined();
    });

    it('a repeated connect and a repeated or unknown disconnect write nothing', async () => {
      const { session } = await runningSession(d, { profile: 'lab' });
      await recordHeartbeat(d, { id: session.id, kind: 'connect', connectionId: 'tab-a', auth: owner });
      await recordHeartbeat(d, { id: session.id, kind: 'connect', connectionId: 'tab-b', auth: owner });
      await recordHeartbeat(d, { id: session.id, kind: 'disconnect', connectionId: 'tab-a', auth: owner });
      const before = d.store.peek(session.id);

      await recordHeartbeat(d, { id: session.id, kind: 'connect', connectionId: 'tab-b', auth: owner });
      await recordHeartbeat(d, { id: session.id, kind: 'disconnect', connectionId: 'tab-a', auth: owner });
      await recordHeartbeat(d, { id: session.id, kind: 'disconnect', connectionId: 'never-connected', auth: owner });

      expect(d.store.peek(session.id)).toEqual(before);
    });
  });

  describe("the session agent's own connection", () => {
    it('holds nothing: with the agent connected, the last client disconnecting starts the grace and the session ends disconnected', async () => {
      const { session, activityToken } = await startSession(d, { profile: 'lab', idleTimeoutSeconds: 4 * 3600 });
      const agent = { type: 'token', token: activityToken } as const;
      const connected = await recordHeartbeat(d, { id: session.id, kind: 'connect', connectionId: 'agent-1', agent: true, auth: agent });
      await recordHeartbeat(d, { id: session.id, kind: 'connect', connectionId: 'tab-a', auth: owner });
      d.clock.advance(MINUTE);

      const { session: left } = await recordHeartbeat(d, { id: session.id, kind: 'disconnect', connectionId: 'tab-a', auth: owner });
      d.clock.advance(6 * MINUTE);
      const { session: stillReporting } = await recordHeartbeat(d, { id: session.id, kind: 'ping', connectionId: 'agent-1', auth: agent });

      expect(connected.session).toMatchObject({ openConnections: {}, agentConnections: { 'agent-1': iso(T0) } });
      expect(left).toMatchObject({ openConnections: {}, disconnectedAt: iso(T0 + MINUTE), expiresAt: iso(T0 + 11 * MINUTE), expiryReason: 'disconnected' });
      expect(stillReporting.expiresAt).toBe(left.expiresAt);
      expect(await fireNext(d, session.id)).toBe('warned');
      expect(await fireNext(d, session.id)).toBe('stopping');
      expect(d.store.peek(session.id)).toMatchObject({ status: 'stopping', endReason: 'disconnected' });
    });
  });

  describe('who may send one', () => {
    it.each([
      ['a wrong token', { type: 'token', token: 'not-the-token' }],
      ['another owner', { type: 'owner', ownerId: 'mallory' }],
    ] as const)('%s is told the session does not exist', async (_, auth) => {
      const { session } = await runningSession(d);

      await expect(recordHeartbeat(d, { id: session.id, kind: 'interaction', auth })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('a missing session is not found', async () => {
      await expect(recordHeartbeat(d, { id: 'nope', kind: 'interaction', auth: owner })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('a stopping or ended session refuses activity', async () => {
      const { session } = await runningSession(d);
      await terminateSession(d, { id: session.id, caller: { ownerId: OWNER, isAdmin: false } });

      const error = await caught(recordHeartbeat(d, { id: session.id, kind: 'interaction', auth: owner }));

      expect(error).toBeInstanceOf(ConflictError);
      expect(d.store.peek(session.id).status).toBe('stopping');
    });
  });

  describe('concurrency', () => {
    it('re-applies itself when another write lands between its read and its write', async () => {
      const { session } = await runningSession(d, { profile: 'lab' });
      let staged = false;
      d.store.beforeUpdate = async (id) => {
        if (staged) return;
        staged = true;
        await recordHeartbeat(d, { id, kind: 'connect', connectionId: 'tab-a', auth: owner });
      };
      d.clock.advance(5 * MINUTE);

      const { session: after } = await recordHeartbeat(d, { id: session.id, kind: 'interaction', auth: owner });

      expect(after).toMatchObject({ openConnections: { 'tab-a': iso(T0 + 5 * MINUTE) }, lastActivityAt: iso(T0 + 5 * MINUTE), version: session.version + 2 });
    });
  });

  describe('connections are idempotent', () => {
    /** Fires, in time order, every schedule due by now, as Scheduler would. */
    const fireDue = async (): Promise<void> => {
      for (;;) {
        const due = [...d.scheduler.armed.values()].filter((a) => a.fireAt <= d.clock.now()).sort((a, b) => a.fireAt - b.fireAt)[0];
        if (due === undefined) return;
        await expireSession(d, d.scheduler.fire(due.scheduleName));
      }
    };

    it("two tabs, tab A's disconnect retried: tab B keeps typing and the session lives on, ending idle one timeout after the last keystroke", async () => {
      // The lab profile: idle 30 min, disconnect grace 10 min. With a counter, A's retry took the
      // count from 1 to 0 and the grace ended the session `disconnected` while B was typing.
      const { session } = await runningSession(d, { profile: 'lab' });
      const report = (kind: 'connect' | 'disconnect' | 'interaction', connectionId: string) =>
        recordHeartbeat(d, { id: session.id, kind, connectionId, auth: owner });
      await report('connect', 'tab-a');
      await report('connect', 'tab-b');
      d.clock.advance(MINUTE);
      await report('disconnect', 'tab-a');
      d.clock.advance(2 * SECOND);
      await report('disconnect', 'tab-a'); // the client's retry

      // A keystroke every 2 minutes (more than the 90 s batching window, so each one is written).
      for (let keystroke = 0; keystroke < 20; keystroke++) {
        d.clock.advance(2 * MINUTE);
        await fireDue();
        await report('interaction', 'tab-b');
      }
      const lastKeystroke = d.clock.now();

      expect(d.store.peek(session.id)).toMatchObject({ status: 'running', expiryReason: 'idle_timeout', expiresAt: iso(lastKeystroke + 30 * MINUTE) });
      expect(Object.keys(d.store.peek(session.id).openConnections)).toEqual(['tab-b']);
      d.clock.set(lastKeystroke + 30 * MINUTE);
      await fireDue();
      expect(d.store.peek(session.id)).toMatchObject({ status: 'stopping', endReason: 'idle_timeout', stopRequestedAt: iso(lastKeystroke + 30 * MINUTE) });
    });

    it('concurrent reports of many tabs, each with duplicates and in any order: open are exactly those whose last event was a connect', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(fc.constantFrom('connect' as const, 'disconnect' as const), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }),
          async (streams) => {
            d = makeDeps();
            const { session } = await runningSession(d, { profile: 'lab' });
            // Each tab's events go out one after another (a retry after a 503 is one more duplicate);
            // the tabs' streams run at once, so their writes race and re-apply on the version check.
            const send = async (kind: 'connect' | 'disconnect', connectionId: string): Promise<void> => {
              for (;;) {
                try {
                  await recordHeartbeat(d, { id: session.id, kind, connectionId, auth: owner });
                  return;
                } catch (error) {
                  if (!(error instanceof UnavailableError)) throw error;
                }
              }
            };
            await Promise.all(
              streams.map(async (events, tab) => {
                for (const kind of events) await send(kind, `tab-${tab}`);
              }),
            );

            const expected = streams.flatMap((events, tab) => (events.at(-1) === 'connect' ? [`tab-${tab}`] : [])).sort();
            const record = d.store.peek(session.id);
            expect(Object.keys(record.openConnections).sort()).toEqual(expected);
            const everConnected = streams.some((events) => events.includes('connect'));
            expect(record.disconnectedAt !== undefined).toBe(expected.length === 0 && everConnected);
          },
        ),
        { numRuns: 100 },
      );
    });
  });

  describe('nextReportInSeconds', () => {
    it('an interaction reported sooner than it leaves the record as it was; one reported when it is up is written', async () => {
      const { session } = await runningSession(d, { idleTimeoutSeconds: 600 }); // threshold 30 s
      await recordHeartbeat(d, { id: session.id, kind: 'connect', connectionId: 'tab-a', auth: owner });
      d.clock.advance(7 * MINUTE + 250);
      const { session: written, nextReportInSeconds } = await recordHeartbeat(d, { id: session.id, kind: 'interaction', connectionId: 'tab-a', auth: owner });
      expect(nextReportInSeconds).toBe(30);

      for (const wait of [1, 10, 29]) {
        d.clock.set(T0 + 7 * MINUTE + 250 + wait * SECOND);
        await recordHeartbeat(d, { id: session.id, kind: 'interaction', connectionId: 'tab-a', auth: owner });
      }
      expect(d.store.peek(session.id)).toEqual(written);

      d.clock.set(T0 + 7 * MINUTE + 250 + nextReportInSeconds * SECOND);
      const { session: next } = await recordHeartbeat(d, { id: session.id, kind: 'interaction', connectionId: 'tab-a', auth: owner });
      expect(next.version).toBe(written.version + 1);
      expect(next.expiresAt).toBe(iso(d.clock.now() + 10 * MINUTE));
    });
  });

  describe('lazy re-arming', () => {
    it('1,000 interactions cost zero Scheduler calls; the fire after them arms exactly one schedule; a stale fire does nothing', async () => {
      const { session } = await runningSession(d, { idleTimeoutSeconds: 60 }); // batching threshold 3 s
      const firstName = `${session.id}-1`;
      const callsAfterCreate = d.scheduler.calls;

      for (let i = 0; i < 1000; i++) {
        d.clock.advance(5 * SECOND);
        await recordHeartbeat(d, { id: session.id, kind: 'interaction', auth: owner });
      }

      expect(d.metrics.total('HeartbeatWrites')).toBe(1000);
      expect(d.scheduler.calls).toBe(callsAfterCreate);

      const fired = await expireSession(d, d.scheduler.fire(firstName));

      const record = d.store.peek(session.id);
      expect(fired.outcome).toBe('rearmed');
      expect(record).toMatchObject({ status: 'running', expiresAt: iso(T0 + 5060 * SECOND), scheduleName: `${session.id}-2`, scheduleSeq: 2 });
      expect(d.scheduler.calls).toBe(callsAfterCreate + 1);
      expect(d.scheduler.armCalls.at(-1)).toEqual({ sessionId: session.id, scheduleName: `${session.id}-2`, fireAt: T0 + 5060 * SECOND });

      const writesBefore = d.store.updates.length;
      const stale = await expireSession(d, { sessionId: session.id, scheduleName: firstName });

      expect(stale.outcome).toBe('stale');
      expect(d.scheduler.calls).toBe(callsAfterCreate + 1);
      expect(d.store.updates).toHaveLength(writesBefore);
      expect(d.tasks.stopCalls).toEqual([]);
    });

    it('a disconnect that brings the deadline forward arms one schedule for it, so the grace is exact', async () => {
      const { session } = await runningSession(d, { profile: 'lab', idleTimeoutSeconds: 4 * 3600 });
      await recordHeartbeat(d, { id: session.id, kind: 'connect', connectionId: 'tab-a', auth: owner });
      d.clock.advance(MINUTE);
      const armsBefore = d.scheduler.armCalls.length;

      const { session: after } = await recordHeartbeat(d, { id: session.id, kind: 'disconnect', connectionId: 'tab-a', auth: owner });

      expect(after).toMatchObject({ expiresAt: iso(T0 + 11 * MINUTE), expiryReason: 'disconnected', scheduleName: `${session.id}-7`, scheduleSeq: 7 });
      // The lab profile warns 5 minutes ahead, so the new schedule fires at the warning time.
      expect(d.scheduler.armCalls.slice(armsBefore)).toEqual([{ sessionId: session.id, scheduleName: `${session.id}-7`, fireAt: T0 + 6 * MINUTE }]);
    });

    it('a disconnect never names a schedule an unfinished re-arm left armed for a later time', async () => {
      const { session } = await runningSession(d, { profile: 'lab', idleTimeoutSeconds: 4 * 3600 });
      await recordHeartbeat(d, { id: session.id, kind: 'connect', connectionId: 'tab-a', auth: owner });
      d.clock.set(T0 + 3 * HOUR);
      await recordHeartbeat(d, { id: session.id, kind: 'interaction', auth: owner });
      // The first schedule fires; its re-arm for the later deadline is armed but never named.
      d.clock.set(T0 + 4 * HOUR - 5 * MINUTE);
      d.store.failures.failNext('update', throttled());
      await caught(expireSession(d, d.scheduler.fire(`${session.id}-1`)));
      d.clock.advance(MINUTE);

      const { session: after } = await recordHeartbeat(d, { id: session.id, kind: 'disconnect', connectionId: 'tab-a', auth: owner });

      // The schedule the record names fires when the new (earlier) deadline needs it, not at the old one.
      expect(after.expiryReason).toBe('disconnected');
      expect(d.scheduler.armed.get(after.scheduleName ?? '')?.fireAt).toBe(nextFireAtMs(after));
    });
  });
});
