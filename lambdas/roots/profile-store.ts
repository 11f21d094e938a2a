// The profile store (SSM Parameter Store through the SDK's client), composed once for the two
// functions that read profiles: the api (a create validates against its profile) and the starter
// (RunTask needs the profile's task definition). Its own module, so the starter's root takes it
// without the api's HTTP and JWT code, and the other functions' bundles hold neither (README
// "Performance", Configuration).
import { SSMClient } from '@aws-sdk/client-ssm';
import { ParameterProfileStore, ssmParameterSource } from '../adapters/aws/profile-store';
import { log } from '../adapters/observability/lambda-observability';
import { parseDeployedProfiles } from '../profile-config';
import { type LambdaEnv } from '../wiring';

/**
 * The profiles the stack wrote under PROFILES_PARAMETER_PATH, read through a cache (README,
 * Configuration). The SSM client is made on the first read, not at init: most cold starts of the
 * api serve no create. (A dynamic import() of the client would also defer its module's evaluation,
 * but esbuild then keeps every SSM command in the bundle, and the load cost more than it saved.)
 */
export const profileStoreOf = (env: LambdaEnv): ParameterProfileStore =>
  new ParameterProfileStore(() => ssmParameterSource(new SSMClient({})), {
    path: env.PROFILES_PARAMETER_PATH,
    parse: parseDeployedProfiles,
    log,
  });
