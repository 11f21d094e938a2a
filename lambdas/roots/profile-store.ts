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
 * `parser` gives the profiles' parser (lambdas/profile-config.ts), loaded with the source: the
 * api's comes with its create route, on first use (roots/api-root.ts). The store parses only
 * documents it has read, so never before the source is made.
 */
export const profileStoreOf = (env: LambdaEnv, parser: () => Promise<ProfileParser>): ParameterProfileStore => {
  let parse: ProfileParser | undefined;
  // The store makes its source on the first read, and again only if that failed.
  return new ParameterProfileStore(
    async () => {
      const [sdk, loaded] = await Promise.all([import('@aws-sdk/client-ssm') as Promise<typeof SsmSdk>, parser()]);
      parse = loaded;
      return ssmParameterSource(new sdk.SSMClient({}), sdk);
    },
    {
      path: env.PROFILES_PARAMETER_PATH,
      parse: (documents, source) => {
        if (parse === undefined) throw new Error('the profiles were parsed before their source was made');
        return parse(documents, source);
      },
      log,
    },
  );
};
