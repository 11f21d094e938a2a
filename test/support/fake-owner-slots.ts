// OwnerSlots in memory for use-case tests, keeping the port's contract (fakes.test.ts runs the same
// cases against it and the DynamoDB adapter). Each call is atomic (no await inside), like one
// DynamoDB request.
import { type OwnerSlot, type OwnerSlots, type SlotPool } from '../../lambdas/ports/owner-slots';
import { FailurePlan } from './failure-plan';

/** One key per pool, unambiguous whatever the owner id holds. */
const keyOf = (pool: SlotPool): string => JSON.stringify([pool.profile, pool.ownerId]);

export class InMemoryOwnerSlots implements OwnerSlots {
  /** Per pool: the sessions holding a slot → epoch ms of their claim (a pool with none has no entry). */
  readonly byPool = new Map<string, Map<string, number>>();
  readonly failures = new FailurePlan<'claim' | 'holders' | 'release'>();

  async claim(pool: SlotPool, sessionId: string, max: number, nowMs: number): Promise<boolean> {
    await Promise.resolve();
    this.failures.check('claim', pool, sessionId, max, nowMs);
    if (!Number.isInteger(max) || max < 1) throw new RangeError('max must be a positive integer');
    const holders = this.byPool.get(keyOf(pool)) ?? new Map<string, number>();
    if (!holders.has(sessionId) && holders.size >= max) return false;
    holders.set(sessionId, nowMs);
    this.byPool.set(keyOf(pool), holders);
    return true;
  }

  async holders(pool: SlotPool): Promise<OwnerSlot[]> {
    await Promise.resolve();
    this.failures.check('holders', pool);
    return [...(this.byPool.get(keyOf(pool)) ?? new Map<string, number>())]
      .map(([sessionId, claimedAtMs]) => ({ sessionId, claimedAtMs }))
      .sort((a, b) => a.claimedAtMs - b.claimedAtMs || (a.sessionId < b.sessionId ? -1 : 1));
  }

  async release(pool: SlotPool, sessionId: string, ifClaimedAtMs?: number): Promise<void> {
    await Promise.resolve();
    this.failures.check('release', pool, sessionId, ifClaimedAtMs);
    const holders = this.byPool.get(keyOf(pool));
    const claimedAtMs = holders?.get(sessionId);
    if (holders === undefined || claimedAtMs === undefined) return;
    if (ifClaimedAtMs !== undefined && claimedAtMs !== ifClaimedAtMs) return;
    holders.delete(sessionId);
    if (holders.size === 0) this.byPool.delete(keyOf(pool));
  }
}
