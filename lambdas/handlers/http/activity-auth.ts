// Authentication of the two activity routes (README "How a task authenticates"), by what reached the
// function:
// - POST /sessions/{id}/task-activity has IAM authorization: API Gateway verified the SigV4 signature
//   and reports the signer in `requestContext.authorizer.iam`; the use case checks it is this
//   session's task (its task role, its task id). A route without IAM authorization never carries it.
// - POST /sessions/{id}/activity has no API Gateway authorizer: X-Session-Token first (the local
//   stack's tasks), else a Bearer JWT verified here (the owner), else 401.
import { NotFoundError, UnauthorizedError } from '../../domain/errors';
import { assumedRoleOf } from '../../domain/task-identity';
import { type HeartbeatAuth } from '../../use-cases/record-heartbeat';
import { isActivityTokenShaped } from '../../use-cases/activity-token';
import { type JwtVerifier } from '../../adapters/auth/jwt-verifier';
import { type ApiEvent, headerOf } from './api-event';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

const signerOf = (event: ApiEvent): string | undefined => event.requestContext?.authorizer?.iam?.userArn;
const sessionTokenOf = (event: ApiEvent): string | undefined => headerOf(event, 'x-session-token')?.trim() || undefined;
const bearerOf = (event: ApiEvent): string | undefined => BEARER.exec(headerOf(event, 'authorization') ?? '')?.[1];

/**
 * 401 for a request that carries no credential at all, before any work (no JWT keys fetched, no
 * table read): anonymous callers of the activity route cost one cheap invocation and nothing more.
 */
export const requireActivityCredential = (event: ApiEvent): void => {
  if (signerOf(event) === undefined && sessionTokenOf(event) === undefined && bearerOf(event) === undefined) {
    throw new UnauthorizedError('authentication required');
  }
};

export const activityAuthOf = async (event: ApiEvent, verifier: JwtVerifier): Promise<HeartbeatAuth> => {
  const signer = signerOf(event);
  if (signer !== undefined) {
    // Signed by something other than an assumed role (an IAM user, the root): never a session's task.
    const identity = assumedRoleOf(signer);
    if (identity === undefined) throw new NotFoundError();
    return { type: 'task', identity };
  }
  const sessionToken = sessionTokenOf(event);
  if (sessionToken !== undefined) {
    // A wrong token is a 404 from the use case (same as a missing session); one that is not even
    // shaped like the tokens we issue gets the same answer without reading the table.
    if (!isActivityTokenShaped(sessionToken)) throw new NotFoundError();
    return { type: 'token', token: sessionToken };
  }
  const bearer = bearerOf(event);
  if (bearer === undefined) throw new UnauthorizedError('authentication required');
  const claims = await verifier.verify(bearer);
  return { type: 'owner', ownerId: claims.sub };
};
