// OwnerSlots in memory for use-case tests, keeping the port's contract (fakes.test.ts runs the same
// cases against it and the DynamoDB adapter). Each call is atomic (no await inside), like one
// DynamoDB request.
import { type OwnerSlot, type OwnerSlots } from '../../lambdas/ports/owner-slots';
import { FailurePlan } from './failure-plan';

export class InMemoryOwnerSlots implements OwnerSlots {
  /** Per owner: the sessions holding a slot → epoch ms of their claim (an owner with none has no entry). */
  readonly byOwner = new Map<string, Map<string, number>>();
  readonly failures = new FailurePlan<'claim' | 'holders' | 'release'>();

  async claim(ownerId: string, sessionId: string, max: number, nowMs: number): Promise<boolean> {
    await Promise.resolve();
    this.failures.check('claim', ownerId, sessionId, max, nowMs);
    if (!Number.isInteger(max) || max < 1) throw new RangeError('max must be a positive integer');
    const holders = this.byOwner.get(ownerId) ?? new Map<string, number>();
    if (!holders.has(sessionId) && holders.size >= max) return false;
    holders.set(sessionId, nowMs);
    this.byOwner.set(ownerId, holders);
    return true;
  }

  async holders(ownerId: string): Promise<OwnerSlot[]> {
    await Promise.resolve();
    this.failures.check('holders', ownerId);
    return [...(this.byOwner.get(ownerId) ?? new Map<string, number>())]
      .map(([sessionId, claimedAtMs]) => ({ sessionId, claimedAtMs }))
      .sort((a, b) => a.claimedAtMs - b.claimedAtMs || (a.sessionId < b.sessionId ? -1 : 1));
  }

  async release(ownerId: string, sessionId: string, ifClaimedAtMs?: number): Promise<void> {
    await Promise.resolve();
    this.failures.check('release', ownerId, sessionId, ifClaimedAtMs);
    const holders = this.byOwner.get(ownerId);
    const claimedAtMs = holders?.get(sessionId);
    if (holders === undefined || claimedAtMs === undefined) return;
    if (ifClaimedAtMs !== undefined && claimedAtMs !== ifClaimedAtMs) return;
    holders.delete(sessionId);
    if (holders.size === 0) this.byOwner.delete(ownerId);
  }
}
