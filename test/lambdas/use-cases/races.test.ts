// Races resolved by the store's conditional writes, against the real DynamoDB adapter on dynalite:
// whoever loses a race reads the winner's result, so a session is stopped once and created once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbSessionStore } from '../../../lambdas/adapters/dynamodb/dynamodb-session-store';
import { createSession } from '../../../lambdas/use-cases/create-session';
import { expireSession } from '../../../lambdas/use-cases/expire-session';
import { handleTaskEvent } from '../../../lambdas/use-cases/handle-task-event';
import { sweep } from '../../../lambdas/use-cases/sweep';
import { terminateSession } from '../../../lambdas/use-cases/terminate-session';
import { type DynaliteHandle, startDynalite } from '../../support/dynalite';
import { type FakeDeps, makeDeps } from '../../support/fakes';

const ROUNDS = 6;

describe('races on the real store (dynalite)', () => {
  let dynamo: DynaliteHandle;
  let d: FakeDeps<DynamoDbSessionStore>;

  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => {
    await dynamo?.stop();
  });
  beforeEach(() => {
    d = makeDeps({ store: new DynamoDbSessionStore({ client: dynamo.doc, tables: dynamo.tables, shardCount: 4, retentionDays: 30 }) });
  });

  it('expire, terminate and sweep on one overdue session at once: one StopTask, and all three succeed', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const ownerId = `racer-${round}`;
      const { session } = await createSession(d, { ownerId, profile: 'notebook' });
      const taskArn = session.taskArn ?? '';
      d.tasks.setStatus(taskArn, 'RUNNING');
      await handleTaskEvent(d, { taskArn, lastStatus: 'RUNNING', sessionId: session.id });
      d.clock.set(Date.parse(session.expiresAt) + 1000);

      // Each round gives another actor the head start, so each gets to win some races.
      const actors = [
        () => expireSession(d, { sessionId: session.id, scheduleName: `${session.id}-1` }),
        () => terminateSession(d, { id: session.id, caller: { ownerId, isAdmin: false } }),
        () => sweep(d, { dryRun: false }),
      ] as const;
      const order = [0, 1, 2].map((i) => (i + round) % 3);
      const running: Promise<unknown>[] = [];
      for (const i of order) running[i] = actors[i]();
      await Promise.all(running);
      const [expired, terminated, swept] = [
        (await running[0]) as Awaited<ReturnType<(typeof actors)[0]>>,
        (await running[1]) as Awaited<ReturnType<(typeof actors)[1]>>,
        (await running[2]) as Awaited<ReturnType<(typeof actors)[2]>>,
      ];

      expect(d.tasks.stopCalls.filter((c) => c.taskArn === taskArn)).toHaveLength(1);
      expect(['stopping', 'already_ended', 'stale']).toContain(expired.outcome);
      expect(['stopping', 'stopped']).toContain(terminated.session.status);
      expect(swept.failures).toEqual([]);
      const winners = [expired.outcome === 'stopping', terminated.initiated, swept.expired.some((i) => i.sessionId === session.id && i.action === 'stop')];
      expect(winners.filter(Boolean)).toHaveLength(1);
      // The fake task stops at once, so a sweep that looked late may already have seen it STOPPED.
      const stored = await d.store.get(session.id);
      expect(['stopping', 'stopped']).toContain(stored?.status);
      expect(['idle_timeout', 'user_request']).toContain(stored?.endReason);
    }
  });

  it('two creates with one Idempotency-Key at once: one session, one task, the other a replay', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const ownerId = `twin-${round}`;
      const request = { ownerId, profile: 'notebook', metadata: { round: String(round) }, idempotencyKey: `key-${round}` };
      const startsBefore = d.tasks.startCalls.length;

      const results = await Promise.all([createSession(d, request), createSession(d, request)]);

      expect(results.map((r) => r.replayed).sort()).toEqual([false, true]);
      expect(results[0]?.session.id).toBe(results[1]?.session.id);
      expect(results.filter((r) => r.activityToken !== undefined)).toHaveLength(1);
      expect(d.tasks.startCalls.length - startsBefore).toBe(1);
      const page = await d.store.listByOwner(ownerId, { status: 'all', limit: 10 });
      expect(page.items).toHaveLength(1);
    }
  });
});
