// Who the caller is: `sub` only, and admin by the group in either claim, in every shape API
// Gateway and issuers deliver groups.
import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '../../../../lambdas/domain/errors';
import { callerFromClaims, groupsFromClaim } from '../../../../lambdas/handlers/http/caller';

describe('groupsFromClaim', () => {
  it.each<[unknown, string[]]>([
    [['a', 'b'], ['a', 'b']],
    ['[a b]', ['a', 'b']],
    ['[a]', ['a']],
    ['a,b', ['a', 'b']],
    ['a, b', ['a', 'b']],
    ['["a","b"]', ['a', 'b']],
    ['single', ['single']],
    ['[]', []],
    ['', []],
    [undefined, []],
    [42, []],
  ])('reads %j as %j', (value, groups) => {
    expect(groupsFromClaim(value)).toEqual(groups);
  });
});

describe('callerFromClaims', () => {
  it('takes the owner from sub and admin from cognito:groups or groups', () => {
    expect(callerFromClaims({ sub: 'u1' }, 'admins')).toEqual({ ownerId: 'u1', isAdmin: false });
    expect(callerFromClaims({ sub: 'u1', 'cognito:groups': '[users admins]' }, 'admins')).toEqual({ ownerId: 'u1', isAdmin: true });
    expect(callerFromClaims({ sub: 'u1', groups: ['admins'] }, 'admins').isAdmin).toBe(true);
  });

  it('does not take a group name that only contains the admin group as admin', () => {
    expect(callerFromClaims({ sub: 'u1', groups: '[not-admins]' }, 'admins').isAdmin).toBe(false);
  });

  it.each([undefined, {}, { sub: '' }, { sub: '  ' }, { sub: 7 }])('refuses claims %j', (claims) => {
    expect(() => callerFromClaims(claims, 'admins')).toThrow(UnauthorizedError);
  });
});
