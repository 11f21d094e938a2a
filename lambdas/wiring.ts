// Builds the use cases' dependencies for the Lambda functions from their environment: variables
// validated once (a missing or bad one fails with its name), AWS SDK clients and adapters created
// once per process, on first use. The profiles are not in the environment (Lambda allows 4 KB of
// it): they are read from the stack's parameters when a session is created (adapters/aws/profile-store.ts). Settings become dependencies in build-handler-deps.ts, shared
// with the local stack; each handler entry is its factory called with `lambdaSetup`. Tests run the
// exported handlers on fakes by injecting their own dependencies with `setDeps`.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { remoteJwtVerifier } from './adapters/auth/jwt-verifier';
import { type EcsProfileTargets, EcsTaskRunner } from './adapters/aws/ecs-task-runner';
import { EventBridgeEventPublisher } from './adapters/aws/eventbridge-event-publisher';
import { EventBridgeScheduler } from './adapters/aws/eventbridge-scheduler';
import { ParameterProfileStore } from './adapters/aws/profile-store';
import { log, metricsPort } from './adapters/observability/powertools';
import { ConfigError } from '../contract/app-config';
import { type DeploymentSettings, type PlatformAdapters, buildHandlerDeps } from './build-handler-deps';
import { TASK_MARKER_PATTERN } from '../contract/ecs-tasks';
import { type WiringEnvName } from '../contract/function-env';
import { parseDeployedProfiles } from './profile-config';
import { type ProfileCatalog } from './ports/profile-catalog';
import { type HandlerDeps, type HandlerSetup } from './handlers/handler-setup';
import { DEFAULT_SETTINGS } from './use-cases/use-case-deps';

export type { HandlerDeps } from './handlers/handler-setup';

const required = z.string({ error: 'is missing' }).trim().min(1, 'is missing');
const list = z.string().transform((s) => s.split(',').map((part) => part.trim()).filter((part) => part.length > 0));
const whole = (min: number, max: number) =>
  z
    .string({ error: 'is missing' })
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.int().min(min, `must be a whole number from ${min} to ${max}`).max(max, `must be a whole number from ${min} to ${max}`));
const url = z.url({ error: 'must be a URL' });

// Exactly the contract's names (contract/function-env.ts), which the stack sets: a name missing here
// or not in the contract does not compile.
const envSchema = z.object({
  SESSIONS_TABLE_NAME: required,
  IDEMPOTENCY_TABLE_NAME: required,
  DEADLINE_SHARDS: whole(1, 32),
  RETENTION_DAYS: whole(1, 3650),
  CLUSTER_ARN: required,
  TASK_SUBNET_IDS: required.pipe(list).refine((ids) => ids.length > 0, 'needs at least one subnet id'),
  TASK_SECURITY_GROUP_IDS: list.default([]),
  TASK_ASSIGN_PUBLIC_IP: z.enum(['true', 'false'], 'must be true or false').transform((v) => v === 'true'),
  // No default: a shared marker is how two deployments on one cluster would stop each other's tasks.
  TASK_MARKER: required.pipe(z.string().regex(TASK_MARKER_PATTERN, 'must be 1 to 36 letters, digits, -, / or _')),
  PROFILES_PARAMETER_PATH: required.pipe(z.string().regex(/^\/[\w./-]*[\w.-]$/, 'must be a parameter path such as /stack/profiles')),
  SCHEDULE_GROUP_NAME: required,
  SCHEDULER_ROLE_ARN: required,
  EXPIRE_FUNCTION_ARN: required,
  SCHEDULE_DLQ_ARN: required,
  EVENT_BUS_NAME: required,
  SESSION_API_URL: url,
  ADMIN_GROUP: z.string().trim().min(1).default('session-admins'),
  ORPHAN_GRACE_SECONDS: whole(0, 86_400).default(DEFAULT_SETTINGS.orphanGraceSeconds),
  STUCK_AFTER_SECONDS: whole(10, 86_400).default(DEFAULT_SETTINGS.stuckAfterSeconds),
  JWT_ISSUER: url,
  JWT_AUDIENCE: required.pipe(list).refine((a) => a.length > 0, 'needs at least one audience'),
  JWT_JWKS_URL: url,
} satisfies Record<WiringEnvName, z.ZodType>);

export type LambdaEnv = z.output<typeof envSchema>;

type RawEnv = Record<string, string | undefined>;

// Empty means unset: CDK and shells both produce empty strings for "nothing".
const withoutEmpty = (env: RawEnv): RawEnv =>
  Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));

const problemsOf = (issues: readonly z.core.$ZodIssue[], root: string): string[] =>
  issues.map((issue) => `${[root, ...issue.path.map(String)].filter((p) => p.length > 0).join('.')} ${issue.message}`);

/** Validates the functions' environment; throws ConfigError naming every missing or bad variable. */
export const loadEnv = (env: RawEnv = process.env): LambdaEnv => {
  const result = envSchema.safeParse(withoutEmpty(env));
  if (!result.success) throw new ConfigError(`invalid environment: ${problemsOf(result.error.issues, '').join('; ')}`);
  return result.data;
};

/** The deployment's settings as the environment gives them, and the profiles as the store serves them. */
export const settingsFromEnv = (env: LambdaEnv, profiles: ProfileCatalog): DeploymentSettings => ({
  tables: { sessions: env.SESSIONS_TABLE_NAME, idempotency: env.IDEMPOTENCY_TABLE_NAME },
  deadlineShards: env.DEADLINE_SHARDS,
  retentionDays: env.RETENTION_DAYS,
  profiles,
  apiUrl: env.SESSION_API_URL,
  orphanGraceSeconds: env.ORPHAN_GRACE_SECONDS,
  stuckAfterSeconds: env.STUCK_AFTER_SECONDS,
  adminGroup: env.ADMIN_GROUP,
  taskMarker: env.TASK_MARKER,
});

/** The profiles the stack wrote under PROFILES_PARAMETER_PATH, read through a cache (README, Configuration). */
export const profileStoreOf = (env: LambdaEnv): ParameterProfileStore =>
  new ParameterProfileStore(new SSMProvider({ awsSdkV3Client: new SSMClient({}) }), {
    path: env.PROFILES_PARAMETER_PATH,
    parse: parseDeployedProfiles,
    log,
  });

/** The AWS adapters over SDK clients (region and credentials from the Lambda environment). */
export const awsAdapters = (env: LambdaEnv, profiles: EcsProfileTargets): PlatformAdapters => ({
  dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient({})),
  tasks: new EcsTaskRunner(new ECSClient({}), {
    clusterArn: env.CLUSTER_ARN,
    subnetIds: env.TASK_SUBNET_IDS,
    securityGroupIds: env.TASK_SECURITY_GROUP_IDS,
    assignPublicIp: env.TASK_ASSIGN_PUBLIC_IP,
    profiles,
    startedBy: env.TASK_MARKER,
  }),
  scheduler: new EventBridgeScheduler(new SchedulerClient({}), {
    groupName: env.SCHEDULE_GROUP_NAME,
    targetArn: env.EXPIRE_FUNCTION_ARN,
    roleArn: env.SCHEDULER_ROLE_ARN,
    dlqArn: env.SCHEDULE_DLQ_ARN,
  }),
  events: new EventBridgeEventPublisher(new EventBridgeClient({}), { eventBusName: env.EVENT_BUS_NAME }),
  jwtVerifier: remoteJwtVerifier({ issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, jwksUrl: env.JWT_JWKS_URL }),
  log,
  metrics: metricsPort,
});

export const buildAwsDeps = (env: LambdaEnv): HandlerDeps => {
  const profiles = profileStoreOf(env);
  return buildHandlerDeps(settingsFromEnv(env, profiles), awsAdapters(env, profiles));
};

let current: HandlerDeps | undefined;

/** The process's dependencies: injected ones, else the AWS ones built from the environment once. */
export const getDeps = (): HandlerDeps => (current ??= buildAwsDeps(loadEnv()));

/** Runs the handlers on other adapters (local stack, tests). */
export const setDeps = (deps: HandlerDeps): void => {
  current = deps;
};

/** Forgets the dependencies, so the next `getDeps` builds them again (tests). */
export const resetDeps = (): void => {
  current = undefined;
};

/**
 * Called at module load by each handler: on Lambda, build the dependencies during init, so a bad
 * environment fails the cold start with the variable's name (not the first request), and the SDK
 * clients are made while init has CPU to spare. Elsewhere nothing happens until `getDeps`/`setDeps`.
 */
export const initOnLambda = (env: RawEnv = process.env): void => {
  if (env['AWS_LAMBDA_FUNCTION_NAME'] !== undefined && current === undefined) getDeps();
};

/** What the Lambda entries make their handlers with: the process's dependencies and the Powertools log. */
export const lambdaSetup: HandlerSetup = { deps: getDeps, log };
