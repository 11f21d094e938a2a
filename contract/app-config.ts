// The one typed, validated configuration: read from cdk.json context key `sessionExpiry` by the CDK
// app and by the local stack; deployed, the api reads its profiles from one SSM parameter each and
// validates them with the profiles' schema. It lives in contract/ because the CDK app and the
// runtime both read it (README, Layout).
// Bad config fails fast with a message naming the key. The profiles' part is its own module
// (profile-schema.ts), since the api validates it too and ships only what it runs.
import { ConfigError } from './config-error';
import { configObject, nonEmpty, positiveWholeNumber, wholeNumber } from './config-parts';
import { type ProfileConfig, profilesSchema } from './profile-schema';
import { MAX_DEADLINE_SHARDS } from './table-definitions';
import * as v from './valibot';

export { ConfigError } from './config-error';
export { SESSION_VARIABLES } from './profile-schema';

const positive = v.pipe(v.number(), v.gtValue(0));
const url = v.pipe(v.string(), v.url());

/**
 * An API Gateway throttle (README "Sizing the activity routes"): a token bucket that refills at
 * `rateLimit` requests per second and holds `burstLimit`. It is shared by every caller of the routes
 * it applies to; requests beyond it are answered 429 before the function runs.
 */
const throttleSchema = v.pipe(
  configObject({ rateLimit: positive, burstLimit: positiveWholeNumber }),
  v.check((t) => t.burstLimit >= t.rateLimit, 'burstLimit must be at least rateLimit (a bucket smaller than one second of traffic refuses steady load)'),
);

/** Every route except the two activity routes (the stage default). */
export const DEFAULT_API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;
/**
 * Each activity route: 4,000 live sessions reporting once every 30 s take about 133 requests per
 * second; 200 leaves 50 % headroom (README "Sizing the activity routes").
 */
export const DEFAULT_ACTIVITY_THROTTLE = { rateLimit: 200, burstLimit: 400 } as const;

/** Loopback hosts: the only ones a plain-http webhook may use (the local stack's test receivers). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https, or http to a loopback host; a string that is no URL at all is left to `v.url()` to name. */
const isAllowedWebhook = (raw: string): boolean => {
  if (!URL.canParse(raw)) return true;
  const url = new URL(raw);
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
};

/**
 * Where `Session Expiring` and `Session Ended` are delivered (README "Notifications"): a webhook
 * (https; http only to a loopback host, for the local stack) and e-mail addresses (SNS on AWS).
 */
const notificationsSchema = configObject({
  webhookUrl: v.optional(v.pipe(url, v.check(isAllowedWebhook, 'must be an https URL (http only for a loopback host such as 127.0.0.1)'))),
  emails: v.optional(v.array(v.pipe(v.string(), v.email()))),
});

/** A utilisation share in percent (of what the tasks reserved, or of a disk). */
const percent = (fallback: number) => v.optional(v.pipe(v.number(), v.minValue(1), v.maxValue(100)), fallback);
/** A rate in percent, 0 to 100. */
const ratePercent = (fallback: number) => v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(100)), fallback);

/** The resources whose alarms come in a warning and a critical level (README "Alarms"). */
const LEVELLED_RESOURCES = ['cpu', 'memory', 'disk'] as const;

/**
 * Alarm thresholds. Each levelled resource has a warning below its critical level: equal or crossed
 * levels would page twice at once, or warn after the emergency.
 */
const alarmsSchema = v.pipe(
  configObject({
    email: v.optional(v.pipe(v.string(), v.email())),
    cpuWarningPercent: percent(80),
    cpuCriticalPercent: percent(90),
    memoryWarningPercent: percent(75),
    memoryCriticalPercent: percent(85),
    /** The tasks' ephemeral storage (Container Insights), and any workspace volume the stack watches. */
    diskWarningPercent: percent(80),
    diskCriticalPercent: percent(90),
    /** How many live sessions the platform is sized for; the live-sessions alarm fires at a share of it. */
    liveSessionsCapacity: v.optional(positiveWholeNumber, 200),
    liveSessionsWarningPercent: percent(80),
    api5xxRatePercent: ratePercent(1),
    /** 4xx answers (401, 403, 404, 409, 429 ...) on an activity route, as a share of its requests. */
    activity4xxRatePercent: ratePercent(10),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const alarms = dataset.value;
    for (const resource of LEVELLED_RESOURCES) {
      const key = `${resource}WarningPercent` as const;
      const warning = alarms[key];
      const critical = alarms[`${resource}CriticalPercent`];
      if (warning >= critical) {
        addIssue({
          message: `must be below ${resource}CriticalPercent (${warning} is not below ${critical})`,
          path: [{ type: 'object', origin: 'value', input: alarms, key, value: warning }],
        });
      }
    }
  }),
);

// An absent object is parsed as {} (`v.optional(schema, {})`), so the defaults of its keys are their one source.
export const configSchema = configObject({
  profiles: profilesSchema,
  sweepIntervalMinutes: v.optional(wholeNumber(1, 60), 5),
  deadlineShards: v.optional(wholeNumber(1, MAX_DEADLINE_SHARDS), 4),
  retentionDays: v.optional(wholeNumber(1, 3650), 30),
  adminGroup: v.optional(nonEmpty, 'session-admins'),
  /** Orphan tasks younger than this are left alone (their session record may still be being written). */
  orphanGraceSeconds: v.optional(wholeNumber(0), 120),
  /** `starting` sessions older than this are repaired by the sweep (a hung stop is retried after the profile's stopTimeout + 30 s). */
  stuckAfterSeconds: v.optional(wholeNumber(10), 600),
  /** A queued start not done this long after create ends the session `start_failed` (README "Starting at the rate ECS allows"). */
  startTimeoutSeconds: v.optional(wholeNumber(10, 86_400), 300),
  /**
   * The task launch rate the start queue paces itself to: ECS/Fargate's RunTask rate for the
   * account and region (a sustained rate and a burst; check the current Service Quotas).
   */
  taskStartRate: v.optional(
    configObject({ perSecond: v.optional(v.pipe(positive, v.maxValue(1000)), 20), burst: v.optional(wholeNumber(1, 10_000), 100) }),
    {},
  ),
  /**
   * How many starter functions run at once on AWS (the start queue's event source mapping
   * MaximumConcurrency; SQS allows 2 to 1000). Each runs RunTask one message at a time, a few
   * hundred milliseconds each, so the default stays near the launch rate; throttles beyond it are
   * retried (README "Starting at the rate ECS allows"). The local queue paces to taskStartRate.
   */
  starterConcurrency: v.optional(wholeNumber(2, 1000), 5),
  auth: v.optional(
    v.pipe(
      configObject({
        issuer: v.optional(url),
        audience: v.optional(v.pipe(v.array(nonEmpty), v.nonEmpty())),
        /** The issuer's signing keys (JWT_JWKS_URL); default `<issuer>/.well-known/jwks.json` (Cognito, Auth0). */
        jwksUrl: v.optional(url),
      }),
      v.check((a) => (a.issuer === undefined) === (a.audience === undefined), 'issuer and audience go together'),
    ),
    {},
  ),
  cluster: v.optional(
    configObject({
      clusterArn: v.optional(nonEmpty),
      vpcId: v.optional(nonEmpty),
      subnetIds: v.optional(v.array(nonEmpty)),
      securityGroupIds: v.optional(v.array(nonEmpty)),
      assignPublicIp: v.optional(v.boolean(), false),
    }),
    {},
  ),
  api: v.optional(
    configObject({
      throttle: v.optional(throttleSchema, DEFAULT_API_THROTTLE),
      activityThrottle: v.optional(throttleSchema, DEFAULT_ACTIVITY_THROTTLE),
    }),
    {},
  ),
  cors: v.optional(configObject({ allowOrigins: v.optional(v.array(nonEmpty), []) }), {}),
  alarms: v.optional(alarmsSchema, {}),
  logRetentionDays: v.optional(positiveWholeNumber, 30),
  notifications: v.optional(notificationsSchema, {}),
});

export type AppConfig = v.InferOutput<typeof configSchema>;
export type { ProfileConfig };

/** Validates raw config; throws ConfigError naming every bad key as `sessionExpiry.<path>`. */
export const parseConfig = (raw: unknown, root = 'sessionExpiry'): AppConfig => {
  const result = v.safeParse(configSchema, raw ?? {});
  if (result.success) return result.output;
  const lines = result.issues.map((issue) => `  ${[root, v.pathOf(issue)].filter((part) => part !== '').join('.')}: ${issue.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
};
