// The JWT verifier of the activity route and the local stack: the HTTP API authorizer's rules
// (issuer, audience or Cognito client_id, RS256, expiry), and "no" without saying why.
import { type CryptoKey, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { type RequestListener, createServer } from 'node:http';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JoseJwtVerifier, remoteJwtVerifier } from '../../../../lambdas/adapters/auth/jwt-verifier';
import { UnauthorizedError, UnavailableError } from '../../../../lambdas/domain/errors';
import { type Listening, listenOnFreePort } from '../../../support/listen';

const ISSUER = 'https://issuer.example.test';
const AUDIENCE = 'client-1';

let privateKey: CryptoKey;
let publicKey: CryptoKey;
let otherKey: CryptoKey;
let verifier: JoseJwtVerifier;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  publicKey = pair.publicKey;
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

describe('remoteJwtVerifier', () => {
  const servers: Listening[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  /** A key set endpoint on 127.0.0.1 answering with `listener`; returns its URL. */
  const jwksServer = async (listener: RequestListener): Promise<string> => {
    const server = await listenOnFreePort(createServer(listener));
    servers.push(server);
    return `${server.url}/.well-known/jwks.json`;
  };
  const keySet = async (kid: string) => JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] });
  const signedWithKid = (kid: string) =>
    new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('user-1').setExpirationTime('5m').sign(privateKey);
  const verifierAt = (jwksUrl: string, timeoutMs?: number) =>
    remoteJwtVerifier({ issuer: ISSUER, audience: [AUDIENCE], jwksUrl, ...(timeoutMs !== undefined && { timeoutMs }) });

  it('verifies a token with the key set of the issuer', async () => {
    const body = await keySet('k-1');
    const url = await jwksServer((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));

    await expect(verifierAt(url).verify(await signedWithKid('k-1'))).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('answers UnauthorizedError for a token whose key the set does not hold', async () => {
    const body = await keySet('k-1');
    const url = await jwksServer((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));

    await expect(verifierAt(url).verify(await signedWithKid('k-unknown'))).rejects.toThrow(UnauthorizedError);
  });

  it('answers UnavailableError when nothing listens at the key set URL', async () => {
    const closed = await listenOnFreePort(createServer());
    await closed.close();

    await expect(verifierAt(`${closed.url}/jwks.json`).verify(await signedWithKid('k-1'))).rejects.toThrow(UnavailableError);
  });

  it.each<[string, RequestListener]>([
    ['answers 500', (_, res) => res.writeHead(500).end('oops')],
    ['answers with no JSON', (_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('<html>')],
    ['answers with no key set', (_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": 1}')],
  ])('answers UnavailableError when the key set endpoint %s', async (_, listener) => {
    const url = await jwksServer(listener);

    await expect(verifierAt(url).verify(await signedWithKid('k-1'))).rejects.toThrow(UnavailableError);
  });

  it('answers UnavailableError when the key set endpoint does not answer in time', async () => {
    const url = await jwksServer(() => {
      // Never answers; the server's close drops the connection.
    });

    await expect(verifierAt(url, 200).verify(await signedWithKid('k-1'))).rejects.toThrow(UnavailableError);
  });

  it('still answers UnauthorizedError for a token that is no JWT, whatever the key set does', async () => {
    const url = await jwksServer((_, res) => res.writeHead(500).end());

    await expect(verifierAt(url).verify('not-a-jwt')).rejects.toThrow(UnauthorizedError);
  });
});
