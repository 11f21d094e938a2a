// The session agent in the task definitions the stack makes (README "The session agent"): a
// non-essential sidecar from a public Node image, running the agent's single-file bundle, so
// nothing is built into an image and nothing needs Docker at deploy time. The bundle (gzipped and
// base64-encoded, about 16 KB) is kept once per stack in a few standard SSM parameters of at most
// 4 KB each, which ECS puts into the agent's environment at start (container `secrets`): in the
// environment of every task definition it would cost 16 KB of the 1 MB template per profile. The
// agent measures the whole task through the ECS task metadata endpoint, so it needs no access to
// the workload's processes; the status file reaches the workload through a task volume.
import { gzipSync } from 'node:zlib';
import { Duration, Validations } from 'aws-cdk-lib';
import { type ContainerDefinition, ContainerDependencyCondition, ContainerImage, type FargateTaskDefinition, type LogDriver, Secret } from 'aws-cdk-lib/aws-ecs';
import { ParameterTier, StringParameter } from 'aws-cdk-lib/aws-ssm';
import { type Construct } from 'constructs';
import { agentBundleSource } from '../../agent/bundle';
import { type ProfileConfig, agentEnvironment } from '../../contract/profile-schema';
import { control } from '../nag/control-tower';

/** The sidecar's container name: RunTask gives it the session variables too (`agent.containerName`). */
export const AGENT_CONTAINER_NAME = 'session-agent';
/** Node 22 LTS from the Docker official images on ECR Public (no Docker Hub rate limits). */
export const AGENT_IMAGE = 'public.ecr.aws/docker/library/node:22-alpine';
/** Runs the one `chown` that makes the status volume writable by the non-root agent, then exits. */
export const STATUS_INIT_IMAGE = 'public.ecr.aws/docker/library/busybox:stable';
const STATUS_INIT_CONTAINER_NAME = 'session-status-init';
/** Where every container of the task sees the status volume, and the file the agent writes in it. */
export const STATUS_DIR = '/run/session-agent';
export const STATUS_FILE = `${STATUS_DIR}/status.json`;
const STATUS_VOLUME = 'session-status';
/** Hard memory limits of the sidecars; the workload's reservation leaves room for both. */
export const AGENT_MEMORY_MIB = 64;
const STATUS_INIT_MEMORY_MIB = 16;
export const SIDECARS_MEMORY_MIB = AGENT_MEMORY_MIB + STATUS_INIT_MEMORY_MIB;
/** The bundle's parts arrive as SESSION_AGENT_BUNDLE_0, _1, … */
export const BUNDLE_VARIABLE_PREFIX = 'SESSION_AGENT_BUNDLE_';
/** A standard SSM parameter holds at most 4 KB. */
const PART_CHARS = 4096;

/**
 * `node -e` with this joins the bundle's parts from the environment, unpacks it into /tmp (TMPDIR) and runs
 * it (no arguments: sidecar mode). The parts are dropped first, so the hook does not inherit them.
 */
const LOADER = [
  "const fs = require('node:fs'), path = require('node:path'), zlib = require('node:zlib'); let packed = '';",
  `for (let i = 0; process.env['${BUNDLE_VARIABLE_PREFIX}' + i]; i++) { packed += process.env['${BUNDLE_VARIABLE_PREFIX}' + i]; delete process.env['${BUNDLE_VARIABLE_PREFIX}' + i]; }`,
  "const file = path.join(require('node:os').tmpdir(), 'session-agent.cjs');",
  "fs.writeFileSync(file, zlib.gunzipSync(Buffer.from(packed, 'base64')));",
  'require(file);',
].join(' ');

let packed: string | undefined;
/** The bundle, gzipped and base64-encoded; built once per synth (esbuild output and gzip are deterministic). */
export const packedAgentBundle = (): string => (packed ??= gzipSync(agentBundleSource(), { level: 9 }).toString('base64'));

/** The packed bundle cut into parts that each fit a standard SSM parameter. */
export const bundleParts = (text: string = packedAgentBundle()): string[] =>
  Array.from({ length: Math.ceil(text.length / PART_CHARS) }, (_, i) => text.slice(i * PART_CHARS, (i + 1) * PART_CHARS));

/** The stack's one copy of the bundle: its parts as SSM parameters, made once per scope. */
export const agentBundleParameters = (scope: Construct): StringParameter[] =>
  bundleParts().map(
    (part, i) =>
      new StringParameter(scope, `SessionAgentBundle${i}`, {
        stringValue: part,
        tier: ParameterTier.STANDARD,
        description: `The session agent's bundle, part ${i} (gzip, base64): read by ECS into its sidecar's environment`,
      }),
  );

export interface SessionAgentSidecarProps {
  profile: ProfileConfig;
  /** agentBundleParameters(), shared by every task definition of the stack. */
  bundle: readonly StringParameter[];
  /** The workload container: it gets the status volume (read-only) and SESSION_STATUS_FILE. */
  workload: ContainerDefinition;
  logging: LogDriver;
  user: string;
  /**
   * The workspace volume, where the profile has one (README "Workspaces"): a new EBS volume's root
   * is root's, so the init container makes it the user's too, and the workload waits for that.
   */
  workspaceVolume?: string;
}

/** Where the init container sees the workspace volume (the workload sees it at the profile's mountPath). */
const WORKSPACE_INIT_DIR = '/workspace';

/** Adds the agent, its status volume and the volume's one-shot permission fix to `taskDefinition`. */
export const addSessionAgentSidecar = (taskDefinition: FargateTaskDefinition, props: SessionAgentSidecarProps): ContainerDefinition => {
  taskDefinition.addVolume({ name: STATUS_VOLUME });
  // Fargate creates a bind mount owned by root, mode 755: only root can make it the agent's (the
  // init-container pattern ECS recommends, containers-roadmap#938). It runs `chown` and exits.
  const init = taskDefinition.addContainer(STATUS_INIT_CONTAINER_NAME, {
    image: ContainerImage.fromRegistry(STATUS_INIT_IMAGE),
    essential: false,
    user: '0:0',
    memoryLimitMiB: STATUS_INIT_MEMORY_MIB,
    // Only the directories themselves: whatever a session wrote in the workspace is the user's already.
    command: ['chown', props.user, STATUS_DIR, ...(props.workspaceVolume !== undefined ? [WORKSPACE_INIT_DIR] : [])],
    logging: props.logging,
  });
  init.addMountPoints({ sourceVolume: STATUS_VOLUME, containerPath: STATUS_DIR, readOnly: false });
  if (props.workspaceVolume !== undefined) {
    init.addMountPoints({ sourceVolume: props.workspaceVolume, containerPath: WORKSPACE_INIT_DIR, readOnly: false });
    props.workload.addContainerDependencies({ container: init, condition: ContainerDependencyCondition.SUCCESS });
  }
  Validations.of(taskDefinition).acknowledge(
    {
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds no secret: the session agent\'s settings from the profile (hook command, CPU allocation, stop timeout) and the status file\'s path (its code comes from SSM parameters); the session\'s own variables come as RunTask overrides and the agent signs with the task role.',
    },
    control(
      'CT.ECS.PR.3',
      `Only the non-essential ${STATUS_INIT_CONTAINER_NAME} container runs as root, to chown the empty task volume of the agent's status file (Fargate makes bind mounts root-owned, and ECS's own advice is this init container); it runs one chown and exits before the agent starts. The workload and the agent run as ${props.user}.`,
    ),
  );
  const agent = taskDefinition.addContainer(AGENT_CONTAINER_NAME, {
    image: ContainerImage.fromRegistry(AGENT_IMAGE),
    // Its end (a crash included) never ends the session's task; the server's deadlines still hold.
    essential: false,
    user: props.user,
    memoryLimitMiB: AGENT_MEMORY_MIB,
    command: ['node', '--max-old-space-size=32', '-e', LOADER],
    environment: { ...agentEnvironment(props.profile), SESSION_STATUS_FILE: STATUS_FILE },
    // Not secret (it is this repository's code), but `secrets` is how ECS reads a parameter into a
    // container's environment; the execution role is granted GetParameters on exactly these.
    secrets: Object.fromEntries(props.bundle.map((parameter, i) => [`${BUNDLE_VARIABLE_PREFIX}${i}`, Secret.fromSsmParameter(parameter)])),
    stopTimeout: Duration.seconds(props.profile.stopTimeoutSeconds),
    logging: props.logging,
  });
  agent.addMountPoints({ sourceVolume: STATUS_VOLUME, containerPath: STATUS_DIR, readOnly: false });
  agent.addContainerDependencies({ container: init, condition: ContainerDependencyCondition.SUCCESS });
  props.workload.addMountPoints({ sourceVolume: STATUS_VOLUME, containerPath: STATUS_DIR, readOnly: true });
  props.workload.addEnvironment('SESSION_STATUS_FILE', STATUS_FILE);
  return agent;
};
