// Who is calling: the owner is the JWT `sub` and nothing else (never a body or header field); an
// admin carries the admin group in `cognito:groups` or `groups`. API Gateway flattens array claims
// to strings such as "[a b]" (and some issuers send "a,b"), so every shape is read.
import { UnauthorizedError } from '../../domain/errors';
import { type Caller } from '../../domain/caller';
import { type ApiEvent, type JwtClaims } from './api-event';

const GROUP_CLAIMS = ['cognito:groups', 'groups'] as const;

/** Group names from one claim value: an array, "[a b]", "a,b", "a b" or a single name. */
export const groupsFromClaim = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string' && g.length > 0);
  if (typeof value !== 'string') return [];
  const inner = value.trim().replace(/^\[/, '').replace(/\]$/, '');
  return inner
    .split(/[\s,]+/)
    .map((g) => g.replace(/^"|"$/g, ''))
    .filter((g) => g.length > 0);
};

export const groupsOf = (claims: JwtClaims): string[] => GROUP_CLAIMS.flatMap((name) => groupsFromClaim(claims[name]));

/** The caller from verified claims; UnauthorizedError when there is no usable `sub`. */
export const callerFromClaims = (claims: JwtClaims | undefined, adminGroup: string): Caller => {
  const sub = claims?.['sub'];
  if (claims === undefined || typeof sub !== 'string' || sub.trim().length === 0) {
    throw new UnauthorizedError('authentication required');
  }
  return { ownerId: sub, isAdmin: groupsOf(claims).includes(adminGroup) };
};

/** The caller of a route behind the API Gateway JWT authorizer. */
export const callerOf = (event: ApiEvent, adminGroup: string): Caller =>
  callerFromClaims(event.requestContext?.authorizer?.jwt?.claims, adminGroup);
