import { describe, expect, it } from 'vitest';
import { newActivityToken, sha256Hex, tokenMatches } from '../../../lambdas/use-cases/activity-token';
import { idempotencyRecordKey, requestHashOf } from '../../../lambdas/use-cases/idempotency';

describe('activity token', () => {
  it('is 32 random bytes in base64url, different every time', () => {
    const tokens = new Set(Array.from({ length: 100 }, newActivityToken));

    expect(tokens.size).toBe(100);
    for (const token of tokens) expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  it('matches only its own hash, and a malformed stored hash matches nothing', () => {
    const token = newActivityToken();

    expect(tokenMatches(token, sha256Hex(token))).toBe(true);
    expect(tokenMatches(newActivityToken(), sha256Hex(token))).toBe(false);
    expect(tokenMatches(token, 'abc')).toBe(false);
    expect(tokenMatches(token, '')).toBe(false);
  });
});

describe('idempotency', () => {
  it('hashes a request independently of metadata key order, and tells omitted from given timeouts', () => {
    const base = { profile: 'notebook', metadata: { a: '1', b: '2' } };

    expect(requestHashOf(base)).toBe(requestHashOf({ ...base, metadata: { b: '2', a: '1' } }));
    expect(requestHashOf(base)).not.toBe(requestHashOf({ ...base, idleTimeoutSeconds: 600 }));
    expect(requestHashOf(base)).not.toBe(requestHashOf({ ...base, metadata: { a: '1' } }));
  });

  it("scopes keys to their owner and never stores the client's key", () => {
    const key = idempotencyRecordKey('alice', 'my-key');

    expect(key).toMatch(/^alice#[0-9a-f]{64}$/);
    expect(key).not.toBe(idempotencyRecordKey('bob', 'my-key'));
  });
});
