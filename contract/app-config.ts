// The one typed, validated configuration: read from cdk.json context key `sessionExpiry` by the CDK
// app and by the local stack; deployed, the functions read its profiles from one SSM parameter each
// and validate them with this schema. It lives in contract/ because the CDK app and the runtime both
// read it (README, Layout).
// Bad config fails fast with a message naming the key.
import { z } from 'zod';
import { MAX_DEADLINE_SHARDS } from './table-definitions';

const seconds = z.number().int().positive();

const bounds = z
  .object({ default: seconds, min: seconds, max: seconds })
  .strict()
  .refine((b) => b.min <= b.default && b.default <= b.max, { message: 'needs min <= default <= max' });

/** What every session's task gets from the stack, on ECS (container overrides) and locally alike. */
export const SESSION_VARIABLES: readonly string[] = ['SESSION_ID', 'SESSION_ACTIVITY_TOKEN', 'SESSION_API_URL'];

/** A POSIX environment variable name: letters, digits and underscores, not starting with a digit. */
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment variable names are letters, digits and underscores, not starting with a digit')
  .refine((name) => !SESSION_VARIABLES.includes(name), { message: 'is set by the stack for every session' });

/**
 * How the local stack runs a profile's task (README, Profiles). `env` holds literal values, as a
 * task definition's `environment` does: a local task sees no variable of the operator's shell beyond
 * PATH, HOME, LANG and TZ, so whatever it needs is written here.
 */
const localSchema = z
  .object({
    command: z.array(z.string().min(1)).min(1),
    env: z.record(envName, z.string().refine((value) => !value.includes('\0'), { message: 'must not hold a NUL character' })).optional(),
  })
  .strict();

const profileSchema = z
  .object({
    description: z.string().max(200).optional(),
    /** An existing task definition (family, family:revision or ARN); else the stack makes one from `image`. */
    taskDefinitionArn: z.string().min(1).optional(),
    /** With `taskDefinitionArn`: its task and execution roles, which the API must pass to ECS (iam:PassRole). */
    taskRoleArn: z.string().startsWith('arn:').optional(),
    executionRoleArn: z.string().startsWith('arn:').optional(),
    image: z.string().min(1).optional(),
    /** Container command of a task definition made from `image` (else the image's default). */
    command: z.array(z.string().min(1)).min(1).optional(),
    containerName: z.string().min(1).default('session'),
    cpu: z.number().int().positive().default(256),
    memoryMiB: z.number().int().positive().default(512),
    containerPort: z.number().int().min(1).max(65535).optional(),
    stopTimeoutSeconds: z.number().int().min(2).max(120).default(30),
    idleTimeoutSeconds: bounds,
    maxLifetimeSeconds: bounds,
    disconnectGraceSeconds: seconds.optional(),
    warnBeforeSeconds: seconds.optional(),
    activeWithinSeconds: seconds.default(120),
    idleWithinSeconds: seconds.default(600),
    maxSessionsPerOwner: z.number().int().positive().default(5),
    local: localSchema.optional(),
  })
  .strict()
  .refine((p) => p.activeWithinSeconds < p.idleWithinSeconds, {
    message: 'activeWithinSeconds must be less than idleWithinSeconds',
    path: ['activeWithinSeconds'],
  });

export const configSchema = z
  .object({
    profiles: z
      .record(z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'profile names are lower-case, digits and dashes'), profileSchema)
      .refine((p) => Object.keys(p).length > 0, { message: 'at least one profile is needed' }),
    sweepIntervalMinutes: z.number().int().min(1).max(60).default(5),
    deadlineShards: z.number().int().min(1).max(MAX_DEADLINE_SHARDS).default(4),
    retentionDays: z.number().int().min(1).max(3650).default(30),
    adminGroup: z.string().min(1).default('session-admins'),
    /** Orphan tasks younger than this are left alone (their session record may still be being written). */
    orphanGraceSeconds: z.number().int().min(0).default(120),
    /** `starting` sessions older than this are repaired by the sweep (a hung stop is retried after the profile's stopTimeout + 30 s). */
    stuckAfterSeconds: z.number().int().min(10).default(600),
    /** A queued start not done this long after create ends the session `start_failed` (README "Starting at the rate ECS allows"). */
    startTimeoutSeconds: z.number().int().min(10).max(86_400).default(300),
    /**
     * The task launch rate the start queue paces itself to: ECS/Fargate's RunTask rate for the
     * account and region (a sustained rate and a burst; check the current Service Quotas).
     */
    taskStartRate: z
      .object({ perSecond: z.number().positive().max(1000).default(20), burst: z.number().int().min(1).max(10_000).default(100) })
      .default({ perSecond: 20, burst: 100 }),
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
export type ProfileConfig = z.infer<typeof profileSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

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
