// The environment of the deployed functions, by name: the CDK app sets these variables and nothing
// else on every function, and the runtime reads these and nothing else. The names are typed, so a
// misspelt one fails typecheck on either side; what a valid value is stays with the reader
// (lambdas/wiring.ts validates its variables, the log and metrics adapters and Node read theirs).

/** The variables the functions' wiring validates at cold start. */
export const WIRING_ENV_NAMES = [
  'SESSIONS_TABLE_NAME',
  'IDEMPOTENCY_TABLE_NAME',
  'WORKSPACES_TABLE_NAME',
  'DEADLINE_SHARDS',
  'RETENTION_DAYS',
  'CLUSTER_ARN',
  'TASK_SUBNET_IDS',
  'TASK_SECURITY_GROUP_IDS',
  'TASK_ASSIGN_PUBLIC_IP',
  'TASK_MARKER',
  'PROFILES_PARAMETER_PATH',
  'SCHEDULE_GROUP_NAME',
  'SCHEDULER_ROLE_ARN',
  'EXPIRE_FUNCTION_ARN',
  'SCHEDULE_DLQ_ARN',
  'EVENT_BUS_NAME',
  'SESSION_API_URL',
  'ADMIN_GROUP',
  'ORPHAN_GRACE_SECONDS',
  'STUCK_AFTER_SECONDS',
  'START_QUEUE_URL',
  'START_TIMEOUT_SECONDS',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'JWT_JWKS_URL',
] as const;

/**
 * Set only when some profile has a `workspace` (README "Workspaces"): the ECS infrastructure role
 * its RunTask volumes use. Without it the functions make no workspace adapters (no EC2 client).
 */
export const WORKSPACE_ENV_NAMES = ['WORKSPACE_VOLUMES_ROLE_ARN'] as const;

export type WiringEnvName = (typeof WIRING_ENV_NAMES)[number] | (typeof WORKSPACE_ENV_NAMES)[number];

/**
 * Read by the log and metrics adapters (lambdas/adapters/observability/lambda-observability.ts),
 * under the names Powertools gave them: see contract/observability.ts for the values.
 */
export const POWERTOOLS_ENV_NAMES = ['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE'] as const;

/** Read by Node.js (source maps of the minified bundle). */
export const NODE_ENV_NAMES = ['NODE_OPTIONS'] as const;

/**
 * Read by no code: a digest of the deployed profiles, so a deploy that changes one also changes
 * every function's configuration and Lambda replaces its running environments (README, Configuration).
 */
export const DEPLOYMENT_ENV_NAMES = ['PROFILES_DIGEST'] as const;

/** What every function is given, in every deployment. */
export const FUNCTION_ENV_NAMES = [...WIRING_ENV_NAMES, ...POWERTOOLS_ENV_NAMES, ...NODE_ENV_NAMES, ...DEPLOYMENT_ENV_NAMES] as const;
export type FunctionEnvName = (typeof FUNCTION_ENV_NAMES)[number] | (typeof WORKSPACE_ENV_NAMES)[number];

/** A function environment, or part of one: only contract names as keys. */
export type FunctionEnvironment = Partial<Record<FunctionEnvName, string>>;
