// Authentication of POST /sessions/{id}/activity, the one route without an API Gateway authorizer
// (a session reports its own activity with the token it was started with; a user with a JWT):
// X-Session-Token first, else a Bearer JWT verified here, else 401.
import { UnauthorizedError } from '../../domain/errors';
import { type HeartbeatAuth } from '../../use-cases/record-heartbeat';
import { type JwtVerifier } from '../../adapters/auth/jwt-verifier';
import { type ApiEvent, headerOf } from './api-event';

/** Far above a real token (43 base64url characters); anything longer is not worth hashing. */
const MAX_TOKEN_CHARS = 512;

export const activityAuthOf = async (event: ApiEvent, verifier: JwtVerifier): Promise<HeartbeatAuth> => {
  const sessionToken = headerOf(event, 'x-session-token')?.trim();
  if (sessionToken !== undefined && sessionToken.length > 0) {
    // A wrong token is a 404 from the use case (same as a missing session), so an oversized one is too.
    return { type: 'token', token: sessionToken.slice(0, MAX_TOKEN_CHARS + 1) };
  }
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headerOf(event, 'authorization') ?? '')?.[1];
  if (bearer === undefined) throw new UnauthorizedError('authentication required');
  const claims = await verifier.verify(bearer);
  return { type: 'owner', ownerId: claims.sub };
};
