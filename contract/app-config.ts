// The one typed, validated configuration: read from cdk.json context key `sessionExpiry` by the CDK
// app and by the local stack, and handed to the Lambdas as JSON (profiles) in an env var. It lives in
// contract/ because the CDK app and the runtime both read it (README, Layout).
// Bad config fails fast with a message naming the key. The profiles' part is its own module
// (profile-schema.ts, zod/mini), since the functions validate it too and ship only what they run.
import { z } from 'zod';
import { ConfigError } from './config-error';
import { type ProfileConfig, profilesSchema } from './profile-schema';

export { ConfigError } from './config-error';
export { SESSION_VARIABLES } from './profile-schema';

export const configSchema = z
  .object({
    profiles: profilesSchema,
    sweepIntervalMinutes: z.number().int().min(1).max(60).default(5),
    deadlineShards: z.number().int().min(1).max(32).default(4),
    retentionDays: z.number().int().min(1).max(3650).default(30),
    adminGroup: z.string().min(1).default('session-admins'),
    /** Orphan tasks younger than this are left alone (their session record may still be being written). */
    orphanGraceSeconds: z.number().int().min(0).default(120),
    /** `starting` sessions older than this are repaired by the sweep (a hung stop is retried after the profile's stopTimeout + 30 s). */
    stuckAfterSeconds: z.number().int().min(10).default(600),
    auth: z
      .object({
        issuer: z.url().optional(),
        audience: z.array(z.string().min(1)).min(1).optional(),
        /** The issuer's signing keys (JWT_JWKS_URL); default `<issuer>/.well-known/jwks.json` (Cognito, Auth0). */
        jwksUrl: z.url().optional(),
      })
      .strict()
      .refine((a) => (a.issuer === undefined) === (a.audience === undefined), {
        message: 'issuer and audience go together',
      })
      .default({}),
    cluster: z
      .object({
        clusterArn: z.string().min(1).optional(),
        vpcId: z.string().min(1).optional(),
        subnetIds: z.array(z.string().min(1)).optional(),
        securityGroupIds: z.array(z.string().min(1)).optional(),
        assignPublicIp: z.boolean().default(false),
      })
      .strict()
      .default({ assignPublicIp: false }),
    cors: z
      .object({ allowOrigins: z.array(z.string().min(1)).default([]) })
      .strict()
      .default({ allowOrigins: [] }),
    alarms: z
      .object({
        email: z.email().optional(),
        cpuWarningPercent: z.number().min(1).max(100).default(80),
        cpuCriticalPercent: z.number().min(1).max(100).default(90),
        memoryWarningPercent: z.number().min(1).max(100).default(75),
        memoryCriticalPercent: z.number().min(1).max(100).default(85),
        /** How many live sessions the platform is sized for; the live-sessions alarm fires at a share of it. */
        liveSessionsCapacity: z.number().int().positive().default(200),
        liveSessionsWarningPercent: z.number().min(1).max(100).default(80),
        api5xxRatePercent: z.number().min(0).max(100).default(1),
      })
      .strict()
      .default({
        cpuWarningPercent: 80,
        cpuCriticalPercent: 90,
        memoryWarningPercent: 75,
        memoryCriticalPercent: 85,
        liveSessionsCapacity: 200,
        liveSessionsWarningPercent: 80,
        api5xxRatePercent: 1,
      }),
    logRetentionDays: z.number().int().positive().default(30),
  })
  .strict();

export type AppConfig = z.infer<typeof configSchema>;
export type { ProfileConfig };

/** Validates raw config; throws ConfigError naming every bad key as `sessionExpiry.<path>`. */
export const parseConfig = (raw: unknown, root = 'sessionExpiry'): AppConfig => {
  const result = configSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const keyOf = (path: readonly PropertyKey[]): string => [root, ...path.map(String)].join('.');
  const lines = result.error.issues.flatMap((issue) => {
    // zod reports unknown keys on their parent object; name each key itself so the fix is obvious.
    if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => `  ${keyOf([...issue.path, k])}: unknown key`);
    // A bad record key (profile name): say why, not just "Invalid key in record".
    if (issue.code === 'invalid_key') {
      return [`  ${keyOf(issue.path)}: ${issue.issues.map((i) => i.message).join('; ') || issue.message}`];
    }
    return [`  ${keyOf(issue.path)}: ${issue.message}`];
  });
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
};
