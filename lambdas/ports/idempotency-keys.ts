// The Idempotency-Key claims of create (see use-cases/idempotency). The DynamoDB adapter keeps them
// in the Idempotency table; use cases see only this.

/** An idempotency record: a client key, claimed once, pointing at the session it created. */
export interface IdempotencyRecord {
  key: string;
  sessionId: string;
  requestHash: string;
  /** Epoch seconds after which the key may be used again. */
  expiresAtEpoch: number;
}

export type IdempotencyClaim = { claimed: true } | { claimed: false; existing: IdempotencyRecord };

export interface IdempotencyKeys {
  /** Claims a key; answers with the existing unexpired record when it is already claimed. */
  claim(record: IdempotencyRecord, nowEpochSeconds: number): Promise<IdempotencyClaim>;
}
