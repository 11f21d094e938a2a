// The activity token lets a session's own task report activity without a user's JWT. Only its
// SHA-256 is stored, so a leaked table does not leak tokens; checks compare in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh token: 32 random bytes, base64url (43 characters, safe in env vars and headers). */
export const newActivityToken = (): string => randomBytes(32).toString('base64url');

/** Whether `value` could be a token we issued (43 base64url characters); anything else is refused unread. */
export const isActivityTokenShaped = (value: string): boolean => /^[A-Za-z0-9_-]{43}$/.test(value);

/** SHA-256 of a string, hex. */
export const sha256Hex = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

/** Whether `token` hashes to `expectedHashHex`, compared in constant time. */
export const tokenMatches = (token: string, expectedHashHex: string): boolean => {
  const actual = Buffer.from(sha256Hex(token), 'hex');
  const expected = Buffer.from(expectedHashHex, 'hex');
  // Lengths differ only for a malformed stored hash; timingSafeEqual would throw on it.
  return actual.length === expected.length && timingSafeEqual(actual, expected);
};
