// A profile's configuration (README "Profiles"): part of the configuration (app-config.ts), and what
// the api validates the deployed profiles' parameters with (lambdas/profile-config.ts), so both
// accept exactly the same profiles with the same messages. Written with valibot (contract/valibot.ts),
// whose schemas are plain objects made by small functions: declaring them costs a function's cold
// start next to nothing, and its bundle carries only the actions used here (README "Performance").
import { cronProblem, isKnownTimeZone } from './scheduled-stop';
import { configObject, nonEmpty, positiveWholeNumber, recordOf, wholeNumber } from './config-parts';
import * as v from './valibot';

/** A positive whole number of seconds. */
const seconds = positiveWholeNumber;

const bounds = v.pipe(
  configObject({ default: seconds, min: seconds, max: seconds }),
  v.check((b) => b.min <= b.default && b.default <= b.max, 'needs min <= default <= max'),
);

/**
 * The variables the stack sets for a session's task: SESSION_ID and SESSION_API_URL on ECS (container
 * overrides) and locally; SESSION_ACTIVITY_TOKEN locally only (on AWS a task signs its reports with
 * its task role instead, README "How a task authenticates"). A profile's own variables may use none.
 */
export const SESSION_VARIABLES: readonly string[] = ['SESSION_ID', 'SESSION_ACTIVITY_TOKEN', 'SESSION_API_URL'];

/**
 * The variables the stack gives the session agent from the profile (README "The session agent"):
 * the hook, the task's CPU allocation locally (vCPUs, for the /proc reading) and its stop timeout.
 */
export const AGENT_VARIABLES = {
  hook: 'SESSION_AGENT_HOOK',
  cpus: 'SESSION_AGENT_CPUS',
  /** The task's memory, which a local agent reads the workload's resident memory against. */
  memoryMiB: 'SESSION_AGENT_MEMORY_MIB',
  stopTimeout: 'SESSION_AGENT_STOP_TIMEOUT_SECONDS',
} as const;

/** A profile's `agent.hookCommand` as the agent reads it (a JSON array). */
export const agentEnvironment = (profile: {
  cpu: number;
  memoryMiB: number;
  stopTimeoutSeconds: number;
  agent?: { hookCommand?: readonly string[] };
}): Record<string, string> => ({
  [AGENT_VARIABLES.cpus]: String(profile.cpu / 1024),
  [AGENT_VARIABLES.memoryMiB]: String(profile.memoryMiB),
  [AGENT_VARIABLES.stopTimeout]: String(profile.stopTimeoutSeconds),
  ...(profile.agent?.hookCommand !== undefined && { [AGENT_VARIABLES.hook]: JSON.stringify(profile.agent.hookCommand) }),
});

/** A POSIX environment variable name: letters, digits and underscores, not starting with a digit. */
const envName = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment variable names are letters, digits and underscores, not starting with a digit'),
  v.check((name) => !SESSION_VARIABLES.includes(name), 'is set by the stack for every session'),
);

/**
 * A fixed local time at which every session of the profile stops (quiet hours), whatever its
 * activity (README "How a session's deadline works").
 */
const scheduledStopSchema = configObject({
  cron: v.pipe(
    v.string(),
    v.rawCheck(({ dataset, addIssue }) => {
      const problem = dataset.typed ? cronProblem(dataset.value) : undefined;
      if (problem !== undefined) addIssue({ message: `not a usable cron expression: ${problem}` });
    }),
  ),
  timezone: v.pipe(v.string(), v.check(isKnownTimeZone, 'not a known IANA time zone (e.g. Europe/Zurich)')),
});

/**
 * When the session agent counts the task as busy, and how long busy reports keep a session (README
 * "How a session's deadline works", Busy).
 */
const busySchema = configObject({
  cpuPercent: v.pipe(v.number(), v.gtValue(0), v.maxValue(100)),
  windowSeconds: seconds,
  maxSeconds: v.optional(seconds),
  unknownGraceSeconds: v.optional(seconds, 300),
});

const arn = v.optional(v.pipe(v.string(), v.startsWith('arn:')));
const command = v.pipe(v.array(nonEmpty), v.nonEmpty());

/**
 * How the local stack runs a profile's task (README, Profiles). `env` holds literal values, as a
 * task definition's `environment` does: a local task sees no variable of the operator's shell beyond
 * PATH, HOME, LANG and TZ, so whatever it needs is written here.
 */
const localSchema = configObject({
  command,
  env: v.optional(recordOf(envName, v.pipe(v.string(), v.check((value) => !value.includes('\0'), 'must not hold a NUL character')))),
  /** The workspace's retention and warning in seconds instead of days, on the local stack only (demos, tests). */
  workspaceRetentionSeconds: v.optional(seconds),
  workspaceWarnBeforeSeconds: v.optional(seconds),
});

/** gp3, the EBS volume type ECS creates for a workspace, takes 1 to 16,384 GiB. */
export const MAX_WORKSPACE_GIB = 16_384;

/**
 * A workspace per owner and profile (README "Workspaces"): kept between that owner's sessions of
 * the profile, deleted `retentionDays` after the last one ended, with a `Workspace Expiring` event
 * `warnBeforeDays` before.
 */
const workspaceSchema = v.pipe(
  configObject({
    sizeGiB: wholeNumber(1, MAX_WORKSPACE_GIB),
    mountPath: v.pipe(
      v.string(),
      v.regex(/^\/[A-Za-z0-9._/-]*$/, 'must be an absolute path of letters, digits and ._-/'),
      v.check((path) => path !== '/' && !path.split('/').includes('..'), 'must not be / or hold ..'),
    ),
    retentionDays: wholeNumber(1, 3650),
    warnBeforeDays: v.optional(positiveWholeNumber),
  }),
  v.forward(
    v.check((w) => w.warnBeforeDays === undefined || w.warnBeforeDays < w.retentionDays, 'warnBeforeDays must be less than retentionDays'),
    ['warnBeforeDays'],
  ),
);

/**
 * The session agent of the profile's tasks (README "The session agent"). `hookCommand`: argv run in
 * the task on the first warning of each deadline and before the stop (a chance to save), given to
 * the agent as SESSION_AGENT_HOOK. `containerName`: the agent's sidecar container in the task
 * definition, which RunTask gives the session variables too (set by the stack for the task
 * definitions it makes; give it for a `taskDefinitionArn` that has an agent sidecar).
 */
const agentSchema = configObject({
  hookCommand: v.optional(command),
  containerName: v.optional(nonEmpty),
});

export const profileSchema = v.pipe(
  configObject({
    description: v.optional(v.pipe(v.string(), v.maxLength(200))),
    /** An existing task definition (family, family:revision or ARN); else the stack makes one from `image`. */
    taskDefinitionArn: v.optional(nonEmpty),
    /** With `taskDefinitionArn`: its task and execution roles, which the API must pass to ECS (iam:PassRole). */
    taskRoleArn: arn,
    executionRoleArn: arn,
    image: v.optional(nonEmpty),
    /** Container command of a task definition made from `image` (else the image's default). */
    command: v.optional(command),
    containerName: v.optional(nonEmpty, 'session'),
    cpu: v.optional(positiveWholeNumber, 256),
    memoryMiB: v.optional(positiveWholeNumber, 512),
    containerPort: v.optional(wholeNumber(1, 65535)),
    stopTimeoutSeconds: v.optional(wholeNumber(2, 120), 30),
    idleTimeoutSeconds: bounds,
    maxLifetimeSeconds: bounds,
    disconnectGraceSeconds: v.optional(seconds),
    warnBeforeSeconds: v.optional(seconds),
    scheduledStop: v.optional(scheduledStopSchema),
    busy: v.optional(busySchema),
    resourceWarningPercent: v.optional(wholeNumber(1, 100), 90),
    activeWithinSeconds: v.optional(seconds, 120),
    idleWithinSeconds: v.optional(seconds, 600),
    maxSessionsPerOwner: v.optional(positiveWholeNumber, 5),
    workspace: v.optional(workspaceSchema),
    local: v.optional(localSchema),
    agent: v.optional(agentSchema),
  }),
  v.forward(
    v.check((p) => p.activeWithinSeconds < p.idleWithinSeconds, 'activeWithinSeconds must be less than idleWithinSeconds'),
    ['activeWithinSeconds'],
  ),
  v.forward(
    v.check(
      (p) =>
        p.local?.workspaceWarnBeforeSeconds === undefined ||
        p.local.workspaceWarnBeforeSeconds < (p.local.workspaceRetentionSeconds ?? (p.workspace?.retentionDays ?? 0) * 86_400),
      'must be less than the workspace retention',
    ),
    ['local', 'workspaceWarnBeforeSeconds'],
  ),
);

/** The configuration's `profiles`: one or more, by name. */
export const profilesSchema = v.pipe(
  recordOf(v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]{0,39}$/, 'profile names are lower-case, digits and dashes')), profileSchema),
  v.check((p) => Object.keys(p).length > 0, 'at least one profile is needed'),
);

export type ProfileConfig = v.InferOutput<typeof profileSchema>;
