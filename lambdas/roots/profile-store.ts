// The profile store (SSM Parameter Store through the SDK's client), composed once for the two
// functions that read profiles: the api (a create validates against its profile) and the starter
// (RunTask needs the profile's task definition). Its own module, so the starter's root takes it
// without the api's HTTP and JWT code, and the other functions' bundles hold neither (README
// "Performance", Configuration).
import { type ParameterProfileStoreOptions, ParameterProfileStore, ssmParameterSource } from '../adapters/aws/profile-store';
import type * as SsmSdk from '../adapters/aws/sdk/client-ssm';
import { log } from '../adapters/observability/lambda-observability';
import { type LambdaEnv } from '../wiring';

export type ProfileParser = ParameterProfileStoreOptions['parse'];

/**
 * The profiles the stack wrote under PROFILES_PARAMETER_PATH, read through a cache (README,
 * Configuration). The SSM client and its package are loaded on the first read, not at init: most
 * cold starts of the api serve no create. The package is a first-use package of the bundles: not
 * in them but beside them, built from lambdas/adapters/aws/sdk/client-ssm.ts (README "Performance").
 * `parse` is lambdas/profile-config.ts's parser, or for the api one that loads it with its rarer
 * routes, on first use (roots/api-root.ts).
 */
export const profileStoreOf = (env: LambdaEnv, parse: ProfileParser): ParameterProfileStore =>
  // The store makes its source on the first read, and again only if that failed.
  new ParameterProfileStore(
    async () => {
      const sdk: typeof SsmSdk = await import('@aws-sdk/client-ssm');
      return ssmParameterSource(new sdk.SSMClient({}), sdk);
    },
    { path: env.PROFILES_PARAMETER_PATH, parse, log },
  );
