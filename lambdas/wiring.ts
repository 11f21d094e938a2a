// What every Lambda composition root (lambdas/roots/) shares: the functions' environment, validated
// once (a missing or bad variable fails with its name) and turned into the deployment settings that
// build-handler-deps.ts shares with the local stack; and the process's dependencies, built from it
// once, on first use, by the root of the one handler the process runs. Nothing here makes an SDK
// client: each root makes only the clients its handler calls (README "Performance"). The profiles
// are not in the environment (Lambda allows 4 KB of it): the api's root reads them from the stack's
// parameters when a session is created (adapters/aws/profile-store.ts). Tests run the exported
// handlers on fakes by injecting their own dependencies with `setDeps`.
import { ConfigError } from '../contract/config-error';
import { TASK_MARKER_PATTERN } from '../contract/ecs-tasks';
import { type WiringEnvName } from '../contract/function-env';
import * as v from '../contract/valibot';
import { log } from './adapters/observability/lambda-observability';
import { type EnvSettings } from './build-handler-deps';
import { type HandlerDeps, type HandlerSetup } from './handlers/handler-setup';
import { type ManagedTasks } from './ports/task-runner';
import { DEFAULT_SETTINGS } from './use-cases/use-case-deps';

export type { HandlerDeps } from './handlers/handler-setup';

// A variable that is absent (or empty, see withoutEmpty) is reported by the object as "is missing"
// (contract/valibot.ts), never by its own schema.
const required = v.pipe(v.string(), v.trim(), v.minLength(1, 'is missing'));
const splitList = v.transform((s: string) => s.split(',').map((part) => part.trim()).filter((part) => part.length > 0));
const whole = (min: number, max: number) => {
  const rule = `must be a whole number from ${min} to ${max}`;
  return v.pipe(v.string(), v.regex(/^\d+$/, rule), v.transform(Number), v.integer(rule), v.minValue(min, rule), v.maxValue(max, rule));
};
const nonEmptyList = (rule: string) => v.pipe(required, splitList, v.check((items) => items.length > 0, rule));
const url = v.pipe(v.string(), v.url('must be a URL'));

// Exactly the contract's names (contract/function-env.ts), which the stack sets: a name missing here
// or not in the contract does not compile. Defaults are the variables' own (strings), parsed like a
// value that was set.
const envSchema = v.object({
  SESSIONS_TABLE_NAME: required,
  IDEMPOTENCY_TABLE_NAME: required,
  WORKSPACES_TABLE_NAME: required,
  // Absent: no profile of the deployment has a workspace, and the functions make no EC2 client.
  WORKSPACE_VOLUMES_ROLE_ARN: v.optional(v.pipe(required, v.regex(/^arn:[\w-]+:iam::\d{12}:role\//, 'must be an IAM role ARN'))),
  DEADLINE_SHARDS: whole(1, 32),
  RETENTION_DAYS: whole(1, 3650),
  CLUSTER_ARN: required,
  TASK_SUBNET_IDS: nonEmptyList('needs at least one subnet id'),
  TASK_SECURITY_GROUP_IDS: v.optional(v.pipe(v.string(), splitList), ''),
  TASK_ASSIGN_PUBLIC_IP: v.pipe(v.picklist(['true', 'false'], 'must be true or false'), v.transform((value) => value === 'true')),
  // No default: a shared marker is how two deployments on one cluster would stop each other's tasks.
  TASK_MARKER: v.pipe(required, v.regex(TASK_MARKER_PATTERN, 'must be 1 to 36 letters, digits, -, / or _')),
  PROFILES_PARAMETER_PATH: v.pipe(required, v.regex(/^\/[\w./-]*[\w.-]$/, 'must be a parameter path such as /stack/profiles')),
  SCHEDULE_GROUP_NAME: required,
  SCHEDULER_ROLE_ARN: required,
  EXPIRE_FUNCTION_ARN: required,
  SCHEDULE_DLQ_ARN: required,
  EVENT_BUS_NAME: required,
  SESSION_API_URL: url,
  ADMIN_GROUP: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1)), 'session-admins'),
  ORPHAN_GRACE_SECONDS: v.optional(whole(0, 86_400), String(DEFAULT_SETTINGS.orphanGraceSeconds)),
  STUCK_AFTER_SECONDS: v.optional(whole(10, 86_400), String(DEFAULT_SETTINGS.stuckAfterSeconds)),
  START_QUEUE_URL: url,
  START_TIMEOUT_SECONDS: v.optional(whole(10, 86_400), String(DEFAULT_SETTINGS.startTimeoutSeconds)),
  JWT_ISSUER: url,
  JWT_AUDIENCE: nonEmptyList('needs at least one audience'),
  JWT_JWKS_URL: url,
} satisfies Record<WiringEnvName, v.GenericSchema>);

export type LambdaEnv = v.InferOutput<typeof envSchema>;

type RawEnv = Record<string, string | undefined>;

// Empty means unset: CDK and shells both produce empty strings for "nothing".
const withoutEmpty = (env: RawEnv): RawEnv =>
  Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));

const problemsOf = (issues: readonly v.BaseIssue<unknown>[]): string[] => issues.map((issue) => `${v.pathOf(issue)} ${issue.message}`);

/** Validates the functions' environment; throws ConfigError naming every missing or bad variable. */
export const loadEnv = (env: RawEnv = process.env): LambdaEnv => {
  // One problem per variable (a pipe stops at its first failed rule), every variable reported.
  const result = v.safeParse(envSchema, withoutEmpty(env), { abortPipeEarly: true });
  if (!result.success) throw new ConfigError(`invalid environment: ${problemsOf(result.issues).join('; ')}`);
  return result.output;
};

/**
 * The deployment's settings as the environment gives them. The profiles are not among them: only
 * the api reads them, from the store its root makes (roots/api-root.ts).
 */
export const settingsFromEnv = (env: LambdaEnv): EnvSettings => ({
  tables: { sessions: env.SESSIONS_TABLE_NAME, idempotency: env.IDEMPOTENCY_TABLE_NAME },
  deadlineShards: env.DEADLINE_SHARDS,
  retentionDays: env.RETENTION_DAYS,
  apiUrl: env.SESSION_API_URL,
  orphanGraceSeconds: env.ORPHAN_GRACE_SECONDS,
  stuckAfterSeconds: env.STUCK_AFTER_SECONDS,
  startTimeoutSeconds: env.START_TIMEOUT_SECONDS,
  adminGroup: env.ADMIN_GROUP,
  taskMarker: env.TASK_MARKER,
});

/**
 * A root's dependencies: some of `HandlerDeps`, so injected `HandlerDeps` serve every handler. A
 * root's tasks need only stop and list: only the starter's also start them.
 */
export type RootDeps = Partial<Omit<HandlerDeps, 'tasks'>> & { tasks?: ManagedTasks };

let injected: HandlerDeps | undefined;
const built = new Map<unknown, RootDeps>();

/**
 * The setup a root gives its handler: the dependencies `build` makes from the environment, once
 * per process, unless some were injected; and the JSON log.
 */
export const lambdaSetup = <D extends RootDeps>(build: (env: LambdaEnv) => D): HandlerSetup<D> => ({
  deps: (): D => {
    // Injected deps are all of HandlerDeps, a RootDeps of every handler's D.
    const all: RootDeps | undefined = injected;
    if (all !== undefined) return all as D;
    const existing = built.get(build) as D | undefined;
    if (existing !== undefined) return existing;
    const deps = build(loadEnv());
    built.set(build, deps);
    return deps;
  },
  log,
});

/** Runs the handlers on other adapters (local stack, tests). */
export const setDeps = (deps: HandlerDeps): void => {
  injected = deps;
};

/** Forgets the dependencies, injected or built, so the next handler builds them again (tests). */
export const resetDeps = (): void => {
  injected = undefined;
  built.clear();
};

/**
 * Called at module load by each handler with its root's setup: on Lambda, build the dependencies
 * during init, so a bad environment fails the cold start with the variable's name (not the first
 * request), and the SDK clients are made while init has CPU to spare. Elsewhere nothing happens
 * until the first invocation or `setDeps`.
 */
export const initOnLambda = (setup: HandlerSetup<RootDeps>, env: RawEnv = process.env): void => {
  if (env['AWS_LAMBDA_FUNCTION_NAME'] !== undefined) setup.deps();
};
