// The session agent in the task definitions the stack makes (README "The session agent"): a
// non-essential sidecar from a public Node image, running the agent's single-file bundle, which
// travels gzipped and base64-encoded in the container's environment, so nothing is built into an
// image and nothing needs Docker at deploy time (the bundle is about 11 KB gzipped; a task definition may
// be 64 KiB). It measures the whole task through the ECS task metadata endpoint, so it needs no
// access to the workload's processes; the status file reaches the workload through a task volume.
import { gzipSync } from 'node:zlib';
import { Duration, Validations } from 'aws-cdk-lib';
import { type ContainerDefinition, ContainerDependencyCondition, ContainerImage, type FargateTaskDefinition, type LogDriver } from 'aws-cdk-lib/aws-ecs';
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
const BUNDLE_VARIABLE = 'SESSION_AGENT_BUNDLE';

/**
 * `node -e` with this unpacks the bundle from the environment into /tmp and runs it (no arguments:
 * sidecar mode). The variable is dropped first, so the hook does not inherit 15 KB of it.
 */
const LOADER = [
  "const fs = require('node:fs'), zlib = require('node:zlib');",
  `const code = zlib.gunzipSync(Buffer.from(process.env.${BUNDLE_VARIABLE}, 'base64'));`,
  `delete process.env.${BUNDLE_VARIABLE};`,
  "fs.writeFileSync('/tmp/session-agent.cjs', code);",
  "require('/tmp/session-agent.cjs');",
].join(' ');

let packed: string | undefined;
/** The bundle, gzipped and base64-encoded; built once per synth (esbuild output and gzip are deterministic). */
export const packedAgentBundle = (): string => (packed ??= gzipSync(agentBundleSource(), { level: 9 }).toString('base64'));

export interface SessionAgentSidecarProps {
  profile: ProfileConfig;
  /** The workload container: it gets the status volume (read-only) and SESSION_STATUS_FILE. */
  workload: ContainerDefinition;
  logging: LogDriver;
  user: string;
}

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
    command: ['chown', props.user, STATUS_DIR],
    logging: props.logging,
  });
  init.addMountPoints({ sourceVolume: STATUS_VOLUME, containerPath: STATUS_DIR, readOnly: false });
  Validations.of(taskDefinition).acknowledge(
    {
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds no secret: the session agent\'s code (its public bundle), its settings from the profile (hook command, CPU allocation, stop timeout) and the status file\'s path; the session\'s own variables come as RunTask overrides and the agent signs with the task role.',
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
    environment: { ...agentEnvironment(props.profile), SESSION_STATUS_FILE: STATUS_FILE, [BUNDLE_VARIABLE]: packedAgentBundle() },
    stopTimeout: Duration.seconds(props.profile.stopTimeoutSeconds),
    logging: props.logging,
  });
  agent.addMountPoints({ sourceVolume: STATUS_VOLUME, containerPath: STATUS_DIR, readOnly: false });
  agent.addContainerDependencies({ container: init, condition: ContainerDependencyCondition.SUCCESS });
  props.workload.addMountPoints({ sourceVolume: STATUS_VOLUME, containerPath: STATUS_DIR, readOnly: true });
  props.workload.addEnvironment('SESSION_STATUS_FILE', STATUS_FILE);
  return agent;
};
