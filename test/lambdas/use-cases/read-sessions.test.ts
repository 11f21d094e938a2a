// get-session, list-sessions and get-stats: the read-only use cases.
import { beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../lambdas/domain/errors';
import { iso } from '../../../lambdas/domain/session';
import { getSession } from '../../../lambdas/use-cases/get-session';
import { getStats } from '../../../lambdas/use-cases/get-stats';
import { listSessions } from '../../../lambdas/use-cases/list-sessions';
import { type FakeDeps, MINUTE, makeDeps } from '../../support/fakes';
import { OWNER, seedSession } from './steps';

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
    it('counts by status and describes the live sessions', async () => {
      const oldest = seedSession(d, { createdAt: iso(d.clock.now() - 60 * MINUTE) }); // overdue, background
      seedSession(d, { createdAt: iso(d.clock.now() - 5 * MINUTE) }); // idle
      seedSession(d, { status: 'starting' }); // active
      seedSession(d, { status: 'stopping', createdAt: iso(d.clock.now() - 30 * MINUTE) }); // past its deadline, but already stopping
      seedSession(d, { status: 'stopped' });
      seedSession(d, { status: 'failed' });

      const stats = await getStats(d);

      expect(stats).toEqual({
        byStatus: { starting: 1, running: 2, stopping: 1, stopped: 1, failed: 1 },
        byActivityLevel: { active: 1, idle: 1, background: 2, disconnected: 0 },
        live: 4,
        overdue: 1,
        oldestLive: { sessionId: oldest.id, createdAt: oldest.createdAt },
      });
    });

    it('an empty table has no oldest session', async () => {
      const stats = await getStats(d);

      expect(stats.live).toBe(0);
      expect(stats.oldestLive).toBeUndefined();
    });
  });
});
