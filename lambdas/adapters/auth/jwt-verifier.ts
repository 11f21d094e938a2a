// Verifies user JWTs where API Gateway cannot: the activity route has no authorizer (a session
// authenticates it with its own token), so a Bearer token on it is checked here with the rules of
// the HTTP API JWT authorizer (issuer, audience, RS256, exp/nbf). The local stack verifies every
// request with the same class before it builds the API Gateway event.
import {
  type CryptoKey,
  type JWTPayload,
  type JWTVerifyGetKey,
  type KeyObject,
  createRemoteJWKSet,
  jwtVerify,
} from 'jose';
import { UnauthorizedError } from '../../domain/errors';

/** Verified claims; `sub` is always a non-empty string. */
export type VerifiedClaims = JWTPayload & { sub: string };

export interface JwtVerifier {
  /** The token's claims, or UnauthorizedError (never saying why: that helps only an attacker). */
  verify(token: string): Promise<VerifiedClaims>;
}

export type VerificationKey = CryptoKey | KeyObject | Uint8Array | JWTVerifyGetKey;

export interface JwtVerifierOptions {
  issuer: string;
  /** Accepted audiences (app client ids for Cognito). */
  audience: readonly string[];
  /** A public key (local stack, tests) or a key set resolver (remote JWKS on AWS). */
  key: VerificationKey;
}

/**
 * API Gateway accepts a token whose `aud` or, when there is none, whose `client_id` is one of the
 * audiences: Cognito access tokens carry `client_id` only. Do the same, so a token works on every route.
 */
const audienceMatches = (payload: JWTPayload, audience: readonly string[]): boolean => {
  const aud = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (aud.length > 0) return aud.some((a) => audience.includes(a));
  const clientId = payload['client_id'];
  return typeof clientId === 'string' && audience.includes(clientId);
};

export class JoseJwtVerifier implements JwtVerifier {
  constructor(private readonly options: JwtVerifierOptions) {}

  async verify(token: string): Promise<VerifiedClaims> {
    const { issuer, audience, key } = this.options;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, { issuer, algorithms: ['RS256'], requiredClaims: ['exp'] }));
    } catch {
      // jose's messages describe the token (claims, key ids); callers only need "no".
      throw new UnauthorizedError('invalid token');
    }
    if (!audienceMatches(payload, audience)) throw new UnauthorizedError('invalid token');
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new UnauthorizedError('invalid token');
    return { ...payload, sub: payload.sub };
  }
}

/**
 * The AWS verifier: keys from the issuer's JWKS endpoint (Cognito: `<issuer>/.well-known/jwks.json`),
 * fetched on first use and cached by jose for the life of the process.
 */
export const remoteJwtVerifier = (opts: { issuer: string; audience: readonly string[]; jwksUrl: string }): JwtVerifier =>
  new JoseJwtVerifier({ issuer: opts.issuer, audience: opts.audience, key: createRemoteJWKSet(new URL(opts.jwksUrl)) });
