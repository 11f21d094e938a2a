// get-session, list-sessions and get-stats: the read-only use cases.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BY_DEADLINE_INDEX } from '../../../contract/table-definitions';
import { DynamoDbSessionStore } from '../../../lambdas/adapters/dynamodb/dynamodb-session-store';
import { NotFoundError } from '../../../lambdas/domain/errors';
import { END_REASONS, iso } from '../../../lambdas/domain/session';
import { recordEnded } from '../../../lambdas/use-cases/end-session';
import { getSession } from '../../../lambdas/use-cases/get-session';
import { getStats } from '../../../lambdas/use-cases/get-stats';
import { listSessions } from '../../../lambdas/use-cases/list-sessions';
import { type DynaliteHandle, startDynalite } from '../../support/dynalite';
import { InMemoryIdempotencyKeys } from '../../support/fake-idempotency-keys';
import { InMemoryOwnerSlots } from '../../support/fake-owner-slots';
import { type FakeDeps, MINUTE, T0, makeDeps, throttled } from '../../support/fakes';
import { recordingClient } from '../../support/recorded-requests';
import { sessionFixture } from '../../support/session-fixture';
import { OWNER, seedSession } from './steps';

const NO_END_REASONS = Object.fromEntries(END_REASONS.map((r) => [r, 0]));

describe('read use cases', () => {
  let d: FakeDeps;
  beforeEach(() => {
    d = makeDeps();
  });

  describe('getSession', () => {
    it('the owner and admins see a session; anyone else is told it does not exist', async () => {
      const s = seedSession(d);

      await expect(getSession(d, { id: s.id, caller: { ownerId: OWNER, isAdmin: false } })).resolves.toEqual(s);
      await expect(getSession(d, { id: s.id, caller: { ownerId: 'root', isAdmin: true } })).resolves.toEqual(s);
      await expect(getSession(d, { id: s.id, caller: { ownerId: 'mallory', isAdmin: false } })).rejects.toBeInstanceOf(NotFoundError);
      await expect(getSession(d, { id: 'nope', caller: { ownerId: OWNER, isAdmin: true } })).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('listSessions', () => {
    it("pages through the owner's sessions, newest first, by status", async () => {
      const at = (minutesAgo: number): string => iso(d.clock.now() - minutesAgo * MINUTE);
      const oldest = seedSession(d, { createdAt: at(30), status: 'stopped' });
      const middle = seedSession(d, { createdAt: at(20) });
      const newest = seedSession(d, { createdAt: at(10) });
      seedSession(d, { ownerId: 'bob' });

      const first = await listSessions(d, { ownerId: OWNER, status: 'all', limit: 2 });
      const second = await listSessions(d, { ownerId: OWNER, status: 'all', limit: 2, nextToken: first.nextToken ?? '' });
      const live = await listSessions(d, { ownerId: OWNER, status: 'live', limit: 10 });

      expect(first.sessions.map((s) => s.id)).toEqual([newest.id, middle.id]);
      expect(second).toEqual({ sessions: [oldest] });
      expect(live.sessions.map((s) => s.id)).toEqual([newest.id, middle.id]);
      expect(live.nextToken).toBeUndefined();
    });
  });

  describe('getStats', () => {
    it('counts the live sessions by status and the ended ones as they ended, and describes the live ones', async () => {
      const oldest = seedSession(d, { createdAt: iso(d.clock.now() - 60 * MINUTE) }); // overdue, background
      seedSession(d, { createdAt: iso(d.clock.now() - 5 * MINUTE) }); // idle
      seedSession(d, { status: 'starting' }); // active
      seedSession(d, { status: 'stopping', createdAt: iso(d.clock.now() - 30 * MINUTE) }); // past its deadline, but already stopping
      const stopping = seedSession(d, { status: 'stopping', endReason: 'idle_timeout', scheduleName: undefined });
      const starting = seedSession(d, { status: 'starting', scheduleName: undefined });
      await recordEnded(d, stopping, { from: ['stopping'], status: 'stopped' });
      await recordEnded(d, starting, { from: ['starting'], status: 'failed', endReason: 'start_failed' });
      // Ending again (a duplicate event) counts nothing more.
      await recordEnded(d, stopping, { from: ['stopping'], status: 'stopped' });

      const stats = await getStats(d);

      expect(stats).toEqual({
        byStatus: { starting: 1, running: 2, stopping: 1, stopped: 1, failed: 1 },
        byEndReason: { ...NO_END_REASONS, idle_timeout: 1, start_failed: 1 },
        endedSince: iso(d.clock.now()),
        byActivityLevel: { active: 1, busy: 0, idle: 1, background: 2, disconnected: 0 },
        live: 4,
        overdue: 1,
        oldestLive: { sessionId: oldest.id, createdAt: oldest.createdAt },
      });
    });

    it('an empty table has no oldest session and no ended counts yet', async () => {
      const stats = await getStats(d);

      expect(stats.live).toBe(0);
      expect(stats.oldestLive).toBeUndefined();
      expect(stats.endedSince).toBeUndefined();
      expect(stats.byStatus).toEqual({ starting: 0, running: 0, stopping: 0, stopped: 0, failed: 0 });
    });

    it('an end whose count cannot be written still ends the session, and says so in the log', async () => {
      const stopping = seedSession(d, { status: 'stopping', endReason: 'user_request', scheduleName: undefined });
      d.store.failures.failNext('countEnded', throttled());

      const ended = await recordEnded(d, stopping, { from: ['stopping'], status: 'stopped' });

      expect(ended.ok).toBe(true);
      expect(d.events.published.map((e) => e.type)).toContain('Session Ended');
      expect(d.log.at('warn')).toContain('could not count an ended session; GET /stats falls one short');
      expect((await getStats(d)).byStatus.stopped).toBe(0);
    });
  });
});

describe('getStats on DynamoDB', () => {
  let db: DynaliteHandle;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(async () => {
    await db?.stop();
  });

  it('reads no ended session: no Scan, only the live index and the counters item', async () => {
    const recording = recordingClient(db);
    const store = new DynamoDbSessionStore({ client: recording.doc, tableName: db.tables.sessions, shardCount: 4, retentionDays: 30 });
    const d = makeDeps({ stores: { store, idempotencyKeys: new InMemoryIdempotencyKeys(), ownerSlots: new InMemoryOwnerSlots() } });
    const history = Array.from({ length: 60 }, (_, i) => sessionFixture({ status: i % 4 === 0 ? 'failed' : 'stopped', createdAt: iso(T0 - i * MINUTE) }));
    for (const session of history) await store.create(session);
    const live = [sessionFixture({ createdAt: iso(T0) }), sessionFixture({ status: 'starting', createdAt: iso(T0) })];
    for (const session of live) await store.create(session);
    const stopping = sessionFixture({ status: 'stopping', endReason: 'admin_request', scheduleName: undefined, createdAt: iso(T0) });
    await store.create(stopping);
    await recordEnded(d, stopping, { from: ['stopping'], status: 'stopped' });
    recording.requests.length = 0;

    const stats = await getStats(d);
    recording.destroy();

    expect(stats.byStatus).toMatchObject({ starting: 1, running: 1, stopping: 0, stopped: 1, failed: 0 });
    expect(stats.byEndReason.admin_request).toBe(1);
    const commands = new Set(recording.requests.map((r) => r.command));
    expect([...commands].sort()).toEqual(['GetItemCommand', 'QueryCommand']);
    expect(recording.requests.filter((r) => r.command === 'QueryCommand').every((r) => r.indexName === BY_DEADLINE_INDEX)).toBe(true);
    const statusesRead = recording.requests.filter((r) => r.command === 'QueryCommand').flatMap((r) => r.statuses);
    expect(statusesRead.sort()).toEqual(['running', 'starting']);
  });
});
