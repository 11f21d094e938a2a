// TaskRunner on ECS/Fargate: one RunTask per session (idempotent through clientToken = session id),
// over the stop, list and describe of ecs-managed-tasks.ts. Only the starter runs tasks (README
// "Starting at the rate ECS allows"), so only its bundle holds this module.
import { type ECSClient, type Failure, RunTaskCommand, type Tag, type TaskVolumeConfiguration } from '@aws-sdk/client-ecs';
import { TAG_SESSION_ID, WORKSPACE_VOLUME_NAME } from '../../../contract/ecs-tasks';
import { TAG_WORKSPACE_ID, TAG_WORKSPACE_OWNER, TAG_WORKSPACE_PROFILE, encodeOwnerTag } from '../../../contract/workspace-tags';
import { UnavailableError } from '../../domain/errors';
import { type StartTaskRequest, type TaskRunner, type TaskWorkspace } from '../../ports/task-runner';
import { rethrowAwsError } from './aws-errors';
import { EcsManagedTasks, type EcsManagedTasksOptions, describeFailure } from './ecs-managed-tasks';

export { STOP_REASON_MAX, TAG_SESSION_ID } from './ecs-managed-tasks';
export const TAG_OWNER_ID = 'owner-id';
export const TAG_PROFILE = 'profile';

const TAG_VALUE_MAX = 256;

export interface EcsProfileTarget {
  taskDefinitionArn: string;
  containerName: string;
  /** The session agent's sidecar container, which needs the same session variables (README "The session agent"). */
  agentContainerName?: string;
}

/** Profile name → the task definition to run and the container that gets the environment. */
export interface EcsProfileTargets {
  targetOf(profile: string): Promise<EcsProfileTarget | undefined>;
}

/** Targets known up front (tests, benchmarks). */
export const fixedTargets = (targets: Readonly<Record<string, EcsProfileTarget>>): EcsProfileTargets => ({
  targetOf: (profile) => Promise.resolve(Object.hasOwn(targets, profile) ? targets[profile] : undefined),
});

export interface EcsTaskRunnerOptions extends EcsManagedTasksOptions {
  subnetIds: readonly string[];
  securityGroupIds: readonly string[];
  assignPublicIp: boolean;
  /** Where each profile's task definition is looked up (deployed: the profile parameters). */
  profiles: EcsProfileTargets;
  /**
   * Where a session's workspace volume comes from (README "Workspaces"): the ECS infrastructure role
   * that creates it, and the stack's tag every volume carries (its EC2 grants are scoped by it).
   * Absent: a session with a workspace cannot start.
   */
  workspaceVolumes?: { infrastructureRoleArn: string; stackTag: { key: string; value: string } };
}

/** The task definition's volume `configuredAtLaunch` that holds the workspace (lib/constructs/session-cluster.ts). */
export { WORKSPACE_VOLUME_NAME };

// ECS tag values allow letters, digits, spaces and + - = . _ : / @; anything else (an IdP subject
// such as "auth0|123") would fail the whole RunTask, and the tag is informational only.
const tagValue = (value: string): string => value.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_').slice(0, TAG_VALUE_MAX);

// RunTask placement failures that mean "no room right now" rather than "this request is wrong".
const isCapacityFailure = (failure: Failure): boolean => {
  const reason = failure.reason ?? '';
  return reason.startsWith('RESOURCE:') || reason === 'AGENT' || /capacity|throttl|rate exceeded/i.test(reason);
};

export class EcsTaskRunner extends EcsManagedTasks implements TaskRunner {
  constructor(
    ecs: ECSClient,
    private readonly options: EcsTaskRunnerOptions,
  ) {
    super(ecs, options);
    if (options.subnetIds.length === 0) throw new RangeError('EcsTaskRunner needs at least one subnet');
  }

  async start(request: StartTaskRequest): Promise<{ taskArn: string }> {
    const target = await this.options.profiles.targetOf(request.profile);
    if (!target) throw new Error(`no task definition is configured for profile "${request.profile}"`);
    const tags: Tag[] = [
      { key: TAG_SESSION_ID, value: tagValue(request.sessionId) },
      { key: TAG_OWNER_ID, value: tagValue(request.ownerId) },
      { key: TAG_PROFILE, value: tagValue(request.profile) },
    ];
    let response;
    try {
      response = await this.ecs.send(
        new RunTaskCommand({
          cluster: this.options.clusterArn,
          taskDefinition: target.taskDefinitionArn,
          launchType: 'FARGATE',
          count: 1,
          // Same session id → same task: a retried create never starts a second container.
          clientToken: request.sessionId,
          startedBy: this.startedBy,
          tags,
          enableECSManagedTags: true,
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: [...this.options.subnetIds],
              securityGroups: [...this.options.securityGroupIds],
              assignPublicIp: this.options.assignPublicIp ? 'ENABLED' : 'DISABLED',
            },
          },
          // The environment only, never `request.activityToken`: overrides are kept in CloudTrail's
          // RunTask record, DescribeTasks and every task-state event (and so in its dead letters).
          // The task signs its reports with its task role instead (README "How a task authenticates").
          overrides: {
            containerOverrides: [target.containerName, ...(target.agentContainerName === undefined ? [] : [target.agentContainerName])].map((name) => ({
              name,
              environment: Object.entries(request.environment).map(([variable, value]) => ({ name: variable, value })),
            })),
          },
          ...(request.workspace !== undefined && { volumeConfigurations: [this.workspaceVolumeOf({ ...request, workspace: request.workspace }, tags)] }),
        }),
      );
    } catch (error) {
      return rethrowAwsError(error, 'ECS RunTask');
    }
    const taskArn = response.tasks?.[0]?.taskArn;
    if (taskArn) return { taskArn };
    const failure = response.failures?.[0];
    const message = `ECS RunTask started no task: ${describeFailure(failure)}`;
    throw failure && isCapacityFailure(failure) ? new UnavailableError(message) : new Error(message);
  }

  /**
   * An ECS-managed EBS volume for the workspace: encrypted gp3 of the profile's size, from its
   * latest snapshot when it has one, tagged for the give-back and the sweep to find, and kept when
   * the task stops (standalone tasks may keep theirs) so it can be snapshotted (README "Workspaces").
   */
  private workspaceVolumeOf({ workspace, ownerId, profile }: StartTaskRequest & { workspace: TaskWorkspace }, taskTags: readonly Tag[]): TaskVolumeConfiguration {
    const volumes = this.options.workspaceVolumes;
    if (volumes === undefined) throw new Error('this deployment has no workspace volumes: a profile with a workspace cannot start here');
    return {
      name: WORKSPACE_VOLUME_NAME,
      managedEBSVolume: {
        encrypted: true,
        volumeType: 'gp3',
        sizeInGiB: workspace.sizeGiB,
        ...(workspace.snapshotId === undefined ? { filesystemType: 'ext4' } : { snapshotId: workspace.snapshotId }),
        roleArn: volumes.infrastructureRoleArn,
        terminationPolicy: { deleteOnTermination: false },
        tagSpecifications: [
          {
            resourceType: 'volume',
            propagateTags: 'NONE',
            tags: [
              ...taskTags,
              { key: TAG_WORKSPACE_ID, value: workspace.id },
              { key: TAG_WORKSPACE_OWNER, value: encodeOwnerTag(ownerId) },
              { key: TAG_WORKSPACE_PROFILE, value: profile },
              { key: volumes.stackTag.key, value: volumes.stackTag.value },
            ],
          },
        ],
      },
    };
  }
}
