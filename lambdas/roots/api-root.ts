// The API function's composition root: every use case, all the AWS clients, the JWT verifier of the
// activity route (POST /sweep runs the sweep in-process, so it is here too), and the profile store:
// creating a session is the one thing that reads the profiles (README, Configuration). The verifier
// and the store are made here, not in aws-adapters.ts, so no other function's bundle holds them.
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SSMClient } from '@aws-sdk/client-ssm';
import { type JwtVerifier, remoteJwtVerifier } from '../adapters/auth/jwt-verifier';
import { type EcsProfileTargets } from '../adapters/aws/ecs-task-runner';
import { ParameterProfileStore } from '../adapters/aws/profile-store';
import { log } from '../adapters/observability/powertools';
import { type PlatformAdapters, buildHandlerDeps } from '../build-handler-deps';
import { type HandlerDeps } from '../handlers/handler-setup';
import { parseDeployedProfiles } from '../profile-config';
import { type LambdaEnv, lambdaSetup, settingsFromEnv } from '../wiring';
import { endSessionAdapters } from './aws-adapters';

/**
 * The profiles the stack wrote under PROFILES_PARAMETER_PATH, read through a cache (README,
 * Configuration). The SSM client is made on the first read, not at init: most cold starts of the
 * api serve no create. (A dynamic import() of the client would also defer its module's evaluation,
 * but esbuild then keeps every SSM command in the bundle, and the load cost more than it saved.)
 */
export const profileStoreOf = (env: LambdaEnv): ParameterProfileStore =>
  new ParameterProfileStore(() => new SSMProvider({ awsSdkV3Client: new SSMClient({}) }), {
    path: env.PROFILES_PARAMETER_PATH,
    parse: parseDeployedProfiles,
    log,
  });

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

/** Every adapter, with the JWT verifier of the activity route and the profiles tasks start from. */
export const awsAdapters = (env: LambdaEnv, profiles: EcsProfileTargets): PlatformAdapters => ({
  ...endSessionAdapters(env, profiles),
  jwtVerifier: jwtVerifierOf(env),
});

export const buildApiDeps = (env: LambdaEnv): HandlerDeps => {
  const profiles = profileStoreOf(env);
  return buildHandlerDeps({ ...settingsFromEnv(env), profiles }, awsAdapters(env, profiles));
};

export const apiSetup = lambdaSetup(buildApiDeps);
