// Verifies user JWTs where API Gateway cannot: the activity route has no authorizer (a session
// authenticates it with its own token), so a Bearer token on it is checked here with the rules of
// the HTTP API JWT authorizer (issuer, audience, RS256, exp/nbf). The local stack verifies every
// request with the same class before it builds the API Gateway event.
//
// jose is imported on first use, never at load: the functions' bundles leave it out and carry it
// as a file of its own (FIRST_USE_PACKAGES in lib/constructs/session-function.ts), so the api's
// cold start does not parse it (README "Performance"). Only types are imported statically.
import type * as Jose from './jose-on-first-use';
import type { CryptoKey, JWTPayload, JWTVerifyGetKey, KeyObject } from 'jose';
import { UnauthorizedError, UnavailableError } from '../../domain/errors';

/** jose, loaded once. A failure to load it is a deployment fault: it propagates (a 500), never a 401. */
const loadJose = async (): Promise<typeof Jose> => import('jose');

/** Verified claims; `sub` is always a non-empty string. */
export type VerifiedClaims = JWTPayload & { sub: string };

export interface JwtVerifier {
  /**
   * The token's claims, or UnauthorizedError (never saying why: that helps only an attacker), or
   * UnavailableError when the keys to check it with cannot be had.
   */
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
    const { jwtVerify } = await loadJose();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, { issuer, algorithms: ['RS256'], requiredClaims: ['exp'] }));
    } catch (error) {
      // Our side failed (the key set could not be had): the caller may retry, a 503 (README, HTTP API).
      if (error instanceof UnavailableError) throw error;
      // jose's messages describe the token (claims, key ids); callers only need "no".
      throw new UnauthorizedError('invalid token');
    }
    if (!audienceMatches(payload, audience)) throw new UnauthorizedError('invalid token');
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new UnauthorizedError('invalid token');
    return { ...payload, sub: payload.sub };
  }
}

/**
 * A key set resolver whose own failures are ours, not the token's: jose calls it only for a token
 * that is well formed and RS256, and it fails either because the token names a key the set does not
 * hold (the token's fault: 401) or because the set could not be fetched or read (refused, timed
 * out, not 200, not a key set: UnavailableError, a 503), which says nothing about the token.
 */
export const unavailableWhenUnreachable =
  (keys: JWTVerifyGetKey): JWTVerifyGetKey =>
  async (header, token) => {
    const { errors } = await loadJose();
    try {
      return await keys(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new UnavailableError('the signing keys of the token issuer could not be fetched', error);
    }
  };

/** How long one fetch of the key set may take (jose's default, said here): well within the 15 s of the API function. */
const JWKS_TIMEOUT_MS = 5000;

/**
 * The AWS verifier: keys from the issuer's JWKS endpoint (Cognito: `<issuer>/.well-known/jwks.json`),
 * fetched on first use and cached by jose for the life of the process. A key set that cannot be
 * fetched answers 503, never 401: the token may well be good.
 */
export const remoteJwtVerifier = (opts: { issuer: string; audience: readonly string[]; jwksUrl: string; timeoutMs?: number }): JwtVerifier => {
  // Made with jose on the first token that gets as far as its key: one key set (and its cache) per verifier.
  let keySet: Promise<JWTVerifyGetKey> | undefined;
  const keys: JWTVerifyGetKey = async (header, token) => {
    keySet ??= loadJose().then(({ createRemoteJWKSet }) => createRemoteJWKSet(new URL(opts.jwksUrl), { timeoutDuration: opts.timeoutMs ?? JWKS_TIMEOUT_MS }));
    return (await keySet)(header, token);
  };
  return new JoseJwtVerifier({ issuer: opts.issuer, audience: opts.audience, key: unavailableWhenUnreachable(keys) });
};
