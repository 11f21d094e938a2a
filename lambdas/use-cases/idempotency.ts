// Idempotency-Key support for create: the key (scoped to its owner, hashed so a client's key is
// never stored) is claimed once and points at the session id it created. The request's canonical
// hash tells a true retry from a reuse of the key with another body.
import { ConflictError } from '../domain/errors';
import { sha256Hex } from './activity-token';
import { type UseCaseDeps } from './use-case-deps';

export interface CreateRequestShape {
  profile: string;
  idleTimeoutSeconds?: number;
  maxLifetimeSeconds?: number;
  metadata: Record<string, string>;
}

/** SHA-256 of the request as the client sent it, independent of key order in `metadata`. */
export const requestHashOf = (r: CreateRequestShape): string => {
  const metadata = Object.entries(r.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sha256Hex(JSON.stringify([r.profile, r.idleTimeoutSeconds ?? null, r.maxLifetimeSeconds ?? null, metadata]));
};

export const idempotencyRecordKey = (ownerId: string, idempotencyKey: string): string => `${ownerId}#${sha256Hex(idempotencyKey)}`;

/**
 * Claims the key for `sessionId`, or returns the session id an earlier request with the same key and
 * body claimed it for. The same key with another body is a ConflictError.
 */
export const claimSessionId = async (
  deps: Pick<UseCaseDeps, 'idempotencyKeys' | 'clock' | 'settings'>,
  input: { ownerId: string; idempotencyKey: string; requestHash: string; sessionId: string },
): Promise<{ sessionId: string; claimed: boolean }> => {
  const nowEpochSeconds = Math.floor(deps.clock.now() / 1000);
  const result = await deps.idempotencyKeys.claim(
    {
      key: idempotencyRecordKey(input.ownerId, input.idempotencyKey),
      sessionId: input.sessionId,
      requestHash: input.requestHash,
      expiresAtEpoch: nowEpochSeconds + deps.settings.idempotencyTtlSeconds,
    },
    nowEpochSeconds,
  );
  if (result.claimed) return { sessionId: input.sessionId, claimed: true };
  if (result.existing.requestHash !== input.requestHash) {
    throw new ConflictError('this Idempotency-Key was already used with a different request');
  }
  return { sessionId: result.existing.sessionId, claimed: false };
};
