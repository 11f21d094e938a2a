// The starter function's composition root (README "Starting at the rate ECS allows"): what ends a
// session (a failed or timed-out start ends `start_failed`), ECS with the profiles' task
// definitions from the profile store, and the start queue a throttled start goes back on. No HTTP,
// JWT or request-validation code (README "Performance"). The one function that starts tasks, so
// the one root that makes the ECS runner (RunTask) rather than the stop-and-list adapter.
import { ECSClient } from '@aws-sdk/client-ecs';
import { type EcsProfileTargets, EcsTaskRunner } from '../adapters/aws/ecs-task-runner';
import { endSessionDeps, useCaseSettingsOf } from '../build-handler-deps';
import { type StartSessionDeps } from '../use-cases/start-session';
import { type LambdaEnv, lambdaSetup, settingsFromEnv } from '../wiring';
import { parseDeployedProfiles } from '../profile-config';
import { recordEndedAdapters, sqsStartQueue, workspaceStackTag } from './aws-adapters';
import { profileStoreOf } from './profile-store';

/** ECS, starting each session's task from its profile's task definition and marking it with this deployment's TASK_MARKER. */
export const ecsTaskRunner = (env: LambdaEnv, profiles: EcsProfileTargets): EcsTaskRunner =>
  new EcsTaskRunner(new ECSClient({}), {
    clusterArn: env.CLUSTER_ARN,
    subnetIds: env.TASK_SUBNET_IDS,
    securityGroupIds: env.TASK_SECURITY_GROUP_IDS,
    assignPublicIp: env.TASK_ASSIGN_PUBLIC_IP,
    profiles,
    startedBy: env.TASK_MARKER,
    ...(env.WORKSPACE_VOLUMES_ROLE_ARN !== undefined && {
      workspaceVolumes: { infrastructureRoleArn: env.WORKSPACE_VOLUMES_ROLE_ARN, stackTag: workspaceStackTag(env) },
    }),
  });

export const buildStarterDeps = (env: LambdaEnv): StartSessionDeps => {
  const settings = settingsFromEnv(env);
  const tasks = ecsTaskRunner(env, profileStoreOf(env, parseDeployedProfiles));
  return {
    ...endSessionDeps(settings, { ...recordEndedAdapters(env), tasks }),
    tasks,
    settings: useCaseSettingsOf(settings),
    startQueue: sqsStartQueue(env),
  };
};

export const starterSetup = lambdaSetup(buildStarterDeps);
