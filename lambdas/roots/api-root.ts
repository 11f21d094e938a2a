// The API function's composition root: every use case, all the AWS clients, the JWT verifier of the
// activity route (POST /sweep runs the sweep in-process, so it is here too), the profile store
// (creating a session is the one route that reads the profiles, README Configuration) and the start
// queue a create sends its start to (README "Starting at the rate ECS allows"): the api starts no
// task itself. The verifier is made here, not in aws-adapters.ts, so no other function's bundle
// holds it.
import { type JwtVerifier, remoteJwtVerifier } from '../adapters/auth/jwt-verifier';
import { type PlatformAdapters, buildHandlerDeps } from '../build-handler-deps';
import { type HandlerDeps } from '../handlers/handler-setup';
import { type ManagedTasks, type TaskRunner } from '../ports/task-runner';
import { type LambdaEnv, lambdaSetup, settingsFromEnv } from '../wiring';
import { endSessionAdapters, sqsStartQueue } from './aws-adapters';
import { onFirstUse } from './on-first-use';
import { profileStoreOf } from './profile-store';

/**
 * Made on the first token, not at init: jose's remote key set builds a `Headers`, which loads Node's
 * fetch implementation (undici), about a fifth of the SDK clients' own load + init time; most
 * requests carry no token to verify, and the first that does fetches the keys over fetch anyway.
 */
export const jwtVerifierOf = (env: LambdaEnv): JwtVerifier => {
  let verifier: JwtVerifier | undefined;
  const opts = { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, jwksUrl: env.JWT_JWKS_URL };
  return { verify: (token) => (verifier ??= remoteJwtVerifier(opts)).verify(token) };
};

/**
 * ECS stops and lists tasks here, never starts one: the api queues every start for the starter
 * (START_QUEUE_URL is always set on Lambda, so create never runs a task in the request), and holds
 * no RunTask code or grant (contract/function-calls.ts). A start reaching it anyway is refused.
 */
export const startsNoTask = (tasks: ManagedTasks): TaskRunner => ({
  start: () => Promise.reject(new Error('the api starts no task: its creates queue the start for the starter (README "Starting at the rate ECS allows")')),
  stop: (taskArn, reason) => tasks.stop(taskArn, reason),
  listManaged: () => tasks.listManaged(),
  describe: (taskArns) => tasks.describe(taskArns),
});

/** Every adapter, with the JWT verifier of the activity route. */
export const awsAdapters = (env: LambdaEnv): PlatformAdapters => {
  const adapters = endSessionAdapters(env);
  return { ...adapters, tasks: startsNoTask(adapters.tasks), jwtVerifier: jwtVerifierOf(env) };
};

/** The api's module of what it loads on first use (api-on-first-use.ts), loaded once, and again after a failed load. */
export const apiOnFirstUse = onFirstUse(() => import('./api-on-first-use'));

export const buildApiDeps = (env: LambdaEnv): HandlerDeps => ({
  ...buildHandlerDeps({ ...settingsFromEnv(env), profiles: profileStoreOf(env, async (documents, source) => (await apiOnFirstUse()).parseDeployedProfiles(documents, source)) }, awsAdapters(env)),
  startQueue: sqsStartQueue(env),
});

export const apiSetup = lambdaSetup(buildApiDeps);
