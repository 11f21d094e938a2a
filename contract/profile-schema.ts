// A profile's configuration (README "Profiles"): part of the configuration (app-config.ts), and what
// the api validates the deployed profiles' parameters with (lambdas/profile-config.ts). Written with
// zod/mini so the api's bundle carries only these checks, not all of classic zod (README
// "Performance"); classic zod composes it into the configuration schema like any other, with the
// same messages. The parts are functions and the two exported schemas `z.lazy`: zod builds a schema
// when it is declared, so a function reading no profile (every api route but create) pays nothing
// for them at its cold start.
import { cronProblem, isKnownTimeZone } from './scheduled-stop';
import * as z from './zod-mini';

const seconds = () => z.number().check(z.int(), z.positive());

const bounds = () =>
  z
    .strictObject({ default: seconds(), min: seconds(), max: seconds() })
    .check(z.refine((b) => b.min <= b.default && b.default <= b.max, { message: 'needs min <= default <= max' }));

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
const envName = () =>
  z
    .string()
    .check(
      z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment variable names are letters, digits and underscores, not starting with a digit'),
      z.refine((name) => !SESSION_VARIABLES.includes(name), { message: 'is set by the stack for every session' }),
    );

/**
 * A fixed local time at which every session of the profile stops (quiet hours), whatever its
 * activity (README "How a session's deadline works").
 */
const scheduledStopSchema = () =>
  z.strictObject({
    cron: z.string().check(
      z.superRefine((cron, ctx) => {
        const problem = cronProblem(cron);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `not a usable cron expression: ${problem}`, input: cron });
      }),
    ),
    timezone: z.string().check(z.refine(isKnownTimeZone, { message: 'not a known IANA time zone (e.g. Europe/Zurich)' })),
  });

/**
 * When the session agent counts the task as busy, and how long busy reports keep a session (README
 * "How a session's deadline works", Busy).
 */
const busySchema = () =>
  z.strictObject({
    cpuPercent: z.number().check(z.positive(), z.lte(100)),
    windowSeconds: seconds(),
    maxSeconds: z.optional(seconds()),
    unknownGraceSeconds: z._default(seconds(), 300),
  });

const nonEmpty = () => z.string().check(z.minLength(1));
const arn = () => z.optional(z.string().check(z.startsWith('arn:')));

/**
 * How the local stack runs a profile's task (README, Profiles). `env` holds literal values, as a
 * task definition's `environment` does: a local task sees no variable of the operator's shell beyond
 * PATH, HOME, LANG and TZ, so whatever it needs is written here.
 */
const localSchema = () =>
  z.strictObject({
    command: z.array(nonEmpty()).check(z.minLength(1)),
    env: z.optional(z.record(envName(), z.string().check(z.refine((value) => !value.includes('\0'), { message: 'must not hold a NUL character' })))),
    /** The workspace's retention and warning in seconds instead of days, on the local stack only (demos, tests). */
    workspaceRetentionSeconds: z.optional(seconds()),
    workspaceWarnBeforeSeconds: z.optional(seconds()),
  });

/** gp3, the EBS volume type ECS creates for a workspace, takes 1 to 16,384 GiB. */
export const MAX_WORKSPACE_GIB = 16_384;

/**
 * A workspace per owner and profile (README "Workspaces"): kept between that owner's sessions of
 * the profile, deleted `retentionDays` after the last one ended, with a `Workspace Expiring` event
 * `warnBeforeDays` before.
 */
const workspaceSchema = () =>
  z
    .strictObject({
      sizeGiB: z.number().check(z.int(), z.gte(1), z.lte(MAX_WORKSPACE_GIB)),
      mountPath: z.string().check(
        z.regex(/^\/[A-Za-z0-9._/-]*$/, 'must be an absolute path of letters, digits and ._-/'),
        z.refine((path) => path !== '/' && !path.split('/').includes('..'), { message: 'must not be / or hold ..' }),
      ),
      retentionDays: z.number().check(z.int(), z.gte(1), z.lte(3650)),
      warnBeforeDays: z.optional(z.number().check(z.int(), z.positive())),
    })
    .check(
      z.refine((w) => w.warnBeforeDays === undefined || w.warnBeforeDays < w.retentionDays, {
        message: 'warnBeforeDays must be less than retentionDays',
        path: ['warnBeforeDays'],
      }),
    );

/**
 * The session agent of the profile's tasks (README "The session agent"). `hookCommand`: argv run in
 * the task on the first warning of each deadline and before the stop (a chance to save), given to
 * the agent as SESSION_AGENT_HOOK. `containerName`: the agent's sidecar container in the task
 * definition, which RunTask gives the session variables too (set by the stack for the task
 * definitions it makes; give it for a `taskDefinitionArn` that has an agent sidecar).
 */
const agentSchema = () =>
  z.strictObject({
    hookCommand: z.optional(z.array(nonEmpty()).check(z.minLength(1))),
    containerName: z.optional(nonEmpty()),
  });

export const profileSchema = z.lazy(() =>
  z
    .strictObject({
      description: z.optional(z.string().check(z.maxLength(200))),
      /** An existing task definition (family, family:revision or ARN); else the stack makes one from `image`. */
      taskDefinitionArn: z.optional(nonEmpty()),
      /** With `taskDefinitionArn`: its task and execution roles, which the API must pass to ECS (iam:PassRole). */
      taskRoleArn: arn(),
      executionRoleArn: arn(),
      image: z.optional(nonEmpty()),
      /** Container command of a task definition made from `image` (else the image's default). */
      command: z.optional(z.array(nonEmpty()).check(z.minLength(1))),
      containerName: z._default(nonEmpty(), 'session'),
      cpu: z._default(z.number().check(z.int(), z.positive()), 256),
      memoryMiB: z._default(z.number().check(z.int(), z.positive()), 512),
      containerPort: z.optional(z.number().check(z.int(), z.gte(1), z.lte(65535))),
      stopTimeoutSeconds: z._default(z.number().check(z.int(), z.gte(2), z.lte(120)), 30),
      idleTimeoutSeconds: bounds(),
      maxLifetimeSeconds: bounds(),
      disconnectGraceSeconds: z.optional(seconds()),
      warnBeforeSeconds: z.optional(seconds()),
      scheduledStop: z.optional(scheduledStopSchema()),
      busy: z.optional(busySchema()),
      resourceWarningPercent: z._default(z.number().check(z.int(), z.gte(1), z.lte(100)), 90),
      activeWithinSeconds: z._default(seconds(), 120),
      idleWithinSeconds: z._default(seconds(), 600),
      maxSessionsPerOwner: z._default(z.number().check(z.int(), z.positive()), 5),
      workspace: z.optional(workspaceSchema()),
      local: z.optional(localSchema()),
      agent: z.optional(agentSchema()),
    })
    .check(
      z.refine((p) => p.activeWithinSeconds < p.idleWithinSeconds, {
        message: 'activeWithinSeconds must be less than idleWithinSeconds',
        path: ['activeWithinSeconds'],
      }),
      z.refine(
        (p) =>
          p.local?.workspaceWarnBeforeSeconds === undefined ||
          p.local.workspaceWarnBeforeSeconds < (p.local.workspaceRetentionSeconds ?? (p.workspace?.retentionDays ?? 0) * 86_400),
        { message: 'must be less than the workspace retention', path: ['local', 'workspaceWarnBeforeSeconds'] },
      ),
    ),
);

/** The configuration's `profiles`: one or more, by name. */
export const profilesSchema = z.lazy(() =>
  z
    .record(z.string().check(z.regex(/^[a-z][a-z0-9-]{0,39}$/, 'profile names are lower-case, digits and dashes')), profileSchema)
    .check(z.refine((p) => Object.keys(p).length > 0, { message: 'at least one profile is needed' })),
);

export type ProfileConfig = z.output<typeof profileSchema>;
