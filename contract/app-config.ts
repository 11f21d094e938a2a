// The one typed, validated configuration: read from cdk.json context key `sessionExpiry` by the CDK
// app and by the local stack; deployed, the api reads its profiles from one SSM parameter each and
// validates them with the profiles' schema. It lives in contract/ because the CDK app and the
// runtime both read it (README, Layout).
// Bad config fails fast with a message naming the key. The profiles' part is its own module
// (profile-schema.ts, zod/mini), since the api validates it too and ships only what it runs.
import { z } from 'zod';
import { ConfigError } from './config-error';
import { type ProfileConfig, profilesSchema } from './profile-schema';
import { MAX_DEADLINE_SHARDS } from './table-definitions';

export { ConfigError } from './config-error';
export { SESSION_VARIABLES } from './profile-schema';

/**
 * An API Gateway throttle (README "Sizing the activity routes"): a token bucket that refills at
 * `rateLimit` requests per second and holds `burstLimit`. It is shared by every caller of the routes
 * it applies to; requests beyond it are answered 429 before the function runs.
 */
const throttleSchema = z
  .object({ rateLimit: z.number().positive(), burstLimit: z.number().int().positive() })
  .strict()
  .refine((t) => t.burstLimit >= t.rateLimit, { message: 'burstLimit must be at least rateLimit (a bucket smaller than one second of traffic refuses steady load)' });

/** Every route except the two activity routes (the stage default). */
export const DEFAULT_API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;
/**
 * Each activity route: 4,000 live sessions reporting once every 30 s take about 133 requests per
 * second; 200 leaves 50 % headroom (README "Sizing the activity routes").
 */
export const DEFAULT_ACTIVITY_THROTTLE = { rateLimit: 200, burstLimit: 400 } as const;

/** Loopback hosts: the only ones a plain-http webhook may use (the local stack's test receivers). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Where `Session Expiring` and `Session Ended` are delivered (README "Notifications"): a webhook
 * (https; http only to a loopback host, for the local stack) and e-mail addresses (SNS on AWS).
 */
const notificationsSchema = z
  .object({
    webhookUrl: z
      .url()
      .refine(
        (raw) => {
          const url = new URL(raw);
          return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
        },
        { message: 'must be an https URL (http only for a loopback host such as 127.0.0.1)' },
      )
      .optional(),
    emails: z.array(z.email()).optional(),
  })
  .strict();

/** A utilisation share in percent (of what the tasks reserved, or of a disk). */
const percent = (fallback: number) => z.number().min(1).max(100).default(fallback);

/** The resources whose alarms come in a warning and a critical level (README "Alarms"). */
const LEVELLED_RESOURCES = ['cpu', 'memory', 'disk'] as const;

/**
 * Alarm thresholds. Each levelled resource has a warning below its critical level: equal or crossed
 * levels would page twice at once, or warn after the emergency.
 */
const alarmsSchema = z
  .object({
    email: z.email().optional(),
    cpuWarningPercent: percent(80),
    cpuCriticalPercent: percent(90),
    memoryWarningPercent: percent(75),
    memoryCriticalPercent: percent(85),
    /** The tasks' ephemeral storage (Container Insights), and any workspace volume the stack watches. */
    diskWarningPercent: percent(80),
    diskCriticalPercent: percent(90),
    /** How many live sessions the platform is sized for; the live-sessions alarm fires at a share of it. */
    liveSessionsCapacity: z.number().int().positive().default(200),
    liveSessionsWarningPercent: percent(80),
    api5xxRatePercent: z.number().min(0).max(100).default(1),
    /** 4xx answers (401, 403, 404, 409, 429 ...) on an activity route, as a share of its requests. */
    activity4xxRatePercent: z.number().min(0).max(100).default(10),
  })
  .strict()
  .superRefine((alarms, ctx) => {
    for (const resource of LEVELLED_RESOURCES) {
      const warning = alarms[`${resource}WarningPercent`];
      const critical = alarms[`${resource}CriticalPercent`];
      if (warning >= critical) {
        ctx.addIssue({
          code: 'custom',
          path: [`${resource}WarningPercent`],
          message: `must be below ${resource}CriticalPercent (${warning} is not below ${critical})`,
        });
      }
    }
  })
  // prefault, not default: an absent `alarms` is parsed as {}, so the defaults above are its one source.
  .prefault({});

export const configSchema = z
  .object({
    profiles: profilesSchema,
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
    /**
     * How many starter functions run at once on AWS (the start queue's event source mapping
     * MaximumConcurrency; SQS allows 2 to 1000). Each runs RunTask one message at a time, a few
     * hundred milliseconds each, so the default stays near the launch rate; throttles beyond it are
     * retried (README "Starting at the rate ECS allows"). The local queue paces to taskStartRate.
     */
    starterConcurrency: z.number().int().min(2).max(1000).default(5),
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
    api: z
      .object({
        throttle: throttleSchema.default(DEFAULT_API_THROTTLE),
        activityThrottle: throttleSchema.default(DEFAULT_ACTIVITY_THROTTLE),
      })
      .strict()
      .default({ throttle: DEFAULT_API_THROTTLE, activityThrottle: DEFAULT_ACTIVITY_THROTTLE }),
    cors: z
      .object({ allowOrigins: z.array(z.string().min(1)).default([]) })
      .strict()
      .default({ allowOrigins: [] }),
    alarms: alarmsSchema,
    logRetentionDays: z.number().int().positive().default(30),
    notifications: notificationsSchema.default({}),
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
