// Races resolved by the store's conditional writes, against the real DynamoDB adapter on dynalite:
// whoever loses a race reads the winner's result, so a session is stopped once and created once,
// and an owner's creates arriving together never pass the per-owner limit.
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LimitExceededError } from '../../../lambdas/domain/errors';
import { type Session } from '../../../lambdas/domain/session';
import { type CreateSessionResult, createSession } from '../../../lambdas/use-cases/create-session';
import { expireSession } from '../../../lambdas/use-cases/expire-session';
import { handleTaskEvent } from '../../../lambdas/use-cases/handle-task-event';
import { UNWRITTEN_CLAIM_GRACE_MS } from '../../../lambdas/use-cases/owner-slots';
import { sweep } from '../../../lambdas/use-cases/sweep';
import { terminateSession } from '../../../lambdas/use-cases/terminate-session';
import { type DynaliteHandle, type DynamoDbStores, dynamoDbStores, startDynalite } from '../../support/dynalite';
import { type FakeDeps, makeDeps } from '../../support/fakes';

const ROUNDS = 6;
/** The notebook profile's maxSessionsPerOwner. */
const LIMIT = 5;

interface Outcomes {
  created: Session[];
  refused: unknown[];
}

const outcomesOf = (results: PromiseSettledResult<CreateSessionResult>[]): Outcomes => ({
  created: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.session] : [])),
  refused: results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])),
});

describe('races on the real store (dynalite)', () => {
  let dynamo: DynaliteHandle;
  let d: FakeDeps<DynamoDbStores>;

  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => {
    await dynamo?.stop();
  });
  beforeEach(() => {
    d = makeDeps({ stores: dynamoDbStores(dynamo) });
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
  describe('the per-owner limit', () => {
    const createMany = async (ownerId: string, n: number): Promise<Outcomes> =>
      outcomesOf(await Promise.allSettled(Array.from({ length: n }, () => createSession(d, { ownerId, profile: 'notebook' }))));

    const end = async (session: Session): Promise<void> => {
      await terminateSession(d, { id: session.id, caller: { ownerId: session.ownerId, isAdmin: false } });
      await handleTaskEvent(d, { taskArn: session.taskArn ?? '', lastStatus: 'STOPPED', sessionId: session.id });
      expect((await d.store.get(session.id))?.status).toBe('stopped');
    };

    const holders = async (ownerId: string): Promise<string[]> =>
      (await d.ownerSlots.holders({ ownerId, profile: 'notebook' })).map((s) => s.sessionId).sort();

    it('ten creates of one owner at once with a limit of five: five sessions, five LimitExceededError', async () => {
      for (let round = 0; round < 3; round++) {
        const ownerId = `crowd-${round}-${randomUUID()}`;

        const { created, refused } = await createMany(ownerId, 10);

        expect(created).toHaveLength(LIMIT);
        expect(refused).toHaveLength(10 - LIMIT);
        for (const error of refused) expect(error).toBeInstanceOf(LimitExceededError);
        const live = await d.store.listByOwner(ownerId, { status: 'live', limit: 20 });
        expect(live.items.map((s) => s.id).sort()).toEqual(created.map((s) => s.id).sort());
        expect(await holders(ownerId)).toEqual(created.map((s) => s.id).sort());
      }
    });

    it('after one session ends, exactly one more create succeeds', async () => {
      const ownerId = `ends-one-${randomUUID()}`;
      const { created } = await createMany(ownerId, LIMIT);
      const [first] = created;
      if (first === undefined) throw new Error('no session created');

      await end(first);
      const next = await createMany(ownerId, 3);

      expect(next.created).toHaveLength(1);
      expect(next.refused).toHaveLength(2);
      for (const error of next.refused) expect(error).toBeInstanceOf(LimitExceededError);
      expect(await holders(ownerId)).not.toContain(first.id);
      expect(await holders(ownerId)).toHaveLength(LIMIT);
    });

    it('a slot whose session ended without giving it back is taken over, by one of three creates at once', async () => {
      const ownerId = `lost-release-${randomUUID()}`;
      const { created } = await createMany(ownerId, LIMIT);
      const [ended] = created;
      if (ended === undefined) throw new Error('no session created');
      const release = d.ownerSlots.release.bind(d.ownerSlots);
      d.ownerSlots.release = () => Promise.reject(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
      try {
        await end(ended);
      } finally {
        d.ownerSlots.release = release;
      }
      expect(await holders(ownerId)).toContain(ended.id);

      const next = await createMany(ownerId, 3);

      expect(next.created).toHaveLength(1);
      for (const error of next.refused) expect(error).toBeInstanceOf(LimitExceededError);
      const after = await holders(ownerId);
      expect(after).toHaveLength(LIMIT);
      expect(after).toContain(next.created[0]?.id);
      expect(after).not.toContain(ended.id);
    });

    it('a slot claimed for a session that was never written is taken over once the grace has passed', async () => {
      const ownerId = `never-written-${randomUUID()}`;
      await createMany(ownerId, LIMIT - 1);
      const ghost = randomUUID();
      await d.ownerSlots.claim({ ownerId, profile: 'notebook' }, ghost, LIMIT, d.clock.now());

      await expect(createSession(d, { ownerId, profile: 'notebook' })).rejects.toBeInstanceOf(LimitExceededError);
      d.clock.advance(UNWRITTEN_CLAIM_GRACE_MS + 1000);
      const { session } = await createSession(d, { ownerId, profile: 'notebook' });

      expect(await holders(ownerId)).toContain(session.id);
      expect(await holders(ownerId)).not.toContain(ghost);
    });
  });
});
