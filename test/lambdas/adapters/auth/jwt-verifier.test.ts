// The JWT verifier of the activity route and the local stack: the HTTP API authorizer's rules
// (issuer, audience or Cognito client_id, RS256, expiry), and "no" without saying why.
import { type CryptoKey, SignJWT, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { JoseJwtVerifier } from '../../../../lambdas/adapters/auth/jwt-verifier';
import { UnauthorizedError } from '../../../../lambdas/domain/errors';

const ISSUER = 'https://issuer.example.test';
const AUDIENCE = 'client-1';

let privateKey: CryptoKey;
let otherKey: CryptoKey;
let verifier: JoseJwtVerifier;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  verifier = new JoseJwtVerifier({ issuer: ISSUER, audience: [AUDIENCE, 'client-2'], key: pair.publicKey });
});

interface TokenOptions {
  /** null: leave the claim out. */
  sub?: string | null;
  iss?: string;
  aud?: string | null;
  claims?: Record<string, unknown>;
  expiresIn?: string | number;
  signedByAnotherKey?: boolean;
}

const sign = ({ sub = 'user-1', iss = ISSUER, aud = AUDIENCE, claims = {}, expiresIn = '5m', signedByAnotherKey = false }: TokenOptions = {}) => {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).setIssuer(iss).setIssuedAt().setExpirationTime(expiresIn);
  if (sub !== null) jwt = jwt.setSubject(sub);
  if (aud !== null) jwt = jwt.setAudience(aud);
  return jwt.sign(signedByAnotherKey ? otherKey : privateKey);
};

describe('JoseJwtVerifier', () => {
  it('returns the claims of a valid token', async () => {
    const claims = await verifier.verify(await sign({ claims: { 'cognito:groups': ['session-admins'] } }));

    expect(claims).toMatchObject({ sub: 'user-1', 'cognito:groups': ['session-admins'] });
  });

  it('accepts a Cognito access token by its client_id when it has no aud', async () => {
    const claims = await verifier.verify(await sign({ aud: null, claims: { client_id: 'client-2', token_use: 'access' } }));

    expect(claims.sub).toBe('user-1');
  });

  it.each<[string, TokenOptions]>([
    ['another issuer', { iss: 'https://evil.example.test' }],
    ['another audience', { aud: 'client-9' }],
    ['no audience and another client_id', { aud: null, claims: { client_id: 'client-9' } }],
    ['an expired token', { expiresIn: Math.floor(Date.now() / 1000) - 60 }],
    ['another signing key', { signedByAnotherKey: true }],
    ['no sub', { sub: null }],
  ])('rejects %s with a bare UnauthorizedError', async (_, options) => {
    const token = await sign(options);

    const rejection = verifier.verify(token);

    await expect(rejection).rejects.toThrow(UnauthorizedError);
    await expect(rejection).rejects.toThrow(/^invalid token$/);
  });

  it('rejects something that is not a JWT', async () => {
    await expect(verifier.verify('not-a-jwt')).rejects.toThrow(UnauthorizedError);
  });

  it('rejects an HS256 token even when signed with the public key material', async () => {
    const hs = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('user-1')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a-shared-secret-that-is-long-enough-for-hs256'));

    await expect(verifier.verify(hs)).rejects.toThrow(UnauthorizedError);
  });
});
