// IdempotencyKeys in memory for use-case tests, keeping the port's contract (fakes.test.ts runs the
// same cases against it and the DynamoDB adapter).
import { type IdempotencyClaim, type IdempotencyKeys, type IdempotencyRecord } from '../../lambdas/ports/idempotency-keys';
import { FailurePlan } from './failure-plan';

export class InMemoryIdempotencyKeys implements IdempotencyKeys {
  /** The claimed records, by key. */
  readonly records = new Map<string, IdempotencyRecord>();
  readonly failures = new FailurePlan<'claim'>();

  async claim(record: IdempotencyRecord, nowEpochSeconds: number): Promise<IdempotencyClaim> {
    await Promise.resolve();
    this.failures.check('claim', record, nowEpochSeconds);
    const existing = this.records.get(record.key);
    // As in DynamoDB: a record past its expiry is free even before TTL deletes it.
    if (existing !== undefined && existing.expiresAtEpoch >= nowEpochSeconds) return { claimed: false, existing: structuredClone(existing) };
    this.records.set(record.key, structuredClone(record));
    return { claimed: true };
  }
}

