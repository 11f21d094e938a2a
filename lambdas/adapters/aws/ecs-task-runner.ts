// TaskRunner on ECS/Fargate: one RunTask per session (idempotent through clientToken = session id),
// StopTask to end it, and ListTasks/DescribeTasks so the sweep can see every task we started
// (marked with the deployment's `startedBy` marker, the one the task-state rule filters on, and
// tagged with the session id).
import {
  DescribeTasksCommand,
  type ECSClient,
  type Failure,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type Tag,
  type Task,
  type TaskVolumeConfiguration,
} from '@aws-sdk/client-ecs';
import { TAG_SESSION_ID, TASK_MARKER_PATTERN, WORKSPACE_VOLUME_NAME } from '../../../contract/ecs-tasks';
import { TAG_WORKSPACE_ID, TAG_WORKSPACE_OWNER, TAG_WORKSPACE_PROFILE, encodeOwnerTag } from '../../../contract/workspace-tags';
import { UnavailableError } from '../../domain/errors';
import { type Clock, systemClock } from '../../ports/clock';
import { type ManagedTask, type StartTaskRequest, type TaskRunner, type TaskWorkspace } from '../../ports/task-runner';
import { isEcsTaskGone, rethrowAwsError } from './aws-errors';

export { TAG_SESSION_ID };
export const TAG_OWNER_ID = 'owner-id';
export const TAG_PROFILE = 'profile';

/** StopTask accepts a reason of at most this many characters. */
export const STOP_REASON_MAX = 255;
/** DescribeTasks takes at most this many tasks per call. */
const DESCRIBE_BATCH = 100;
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

export interface EcsTaskRunnerOptions {
  clusterArn: string;
  subnetIds: readonly string[];
  securityGroupIds: readonly string[];
  assignPublicIp: boolean;
  /** Where each profile's task definition is looked up (deployed: the profile parameters). */
  profiles: EcsProfileTargets;
  /**
   * This deployment's `startedBy` marker (TASK_MARKER): RunTask sets it, ListTasks filters on it
   * and the task-state rule matches it, so another deployment's tasks in the cluster are never ours.
   */
  startedBy: string;
  /** A task without createdAt (never seen in practice) counts as just created, so the orphan grace protects it. */
  clock?: Clock;
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

const truncateReason = (reason: string): string =>
  reason.length <= STOP_REASON_MAX ? reason : `${reason.slice(0, STOP_REASON_MAX - 1)}…`;

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

// RunTask placement failures that mean "no room right now" rather than "this request is wrong".
const isCapacityFailure = (failure: Failure): boolean => {
  const reason = failure.reason ?? '';
  return reason.startsWith('RESOURCE:') || reason === 'AGENT' || /capacity|throttl|rate exceeded/i.test(reason);
};

const describeFailure = (failure: Failure | undefined): string =>
  failure ? [failure.reason, failure.detail].filter(Boolean).join(': ') || 'unknown reason' : 'no task and no failure returned';

const sessionIdOf = (task: Task): string | undefined => {
  const tagged = task.tags?.find((t) => t.key === TAG_SESSION_ID)?.value;
  if (tagged) return tagged;
  for (const override of task.overrides?.containerOverrides ?? []) {
    const fromEnv = override.environment?.find((e) => e.name === 'SESSION_ID')?.value;
    if (fromEnv) return fromEnv;
  }
  return undefined;
};

export class EcsTaskRunner implements TaskRunner {
  private readonly clock: Clock;
  private readonly startedBy: string;

  constructor(
    private readonly ecs: ECSClient,
    private readonly options: EcsTaskRunnerOptions,
  ) {
    if (options.subnetIds.length === 0) throw new RangeError('EcsTaskRunner needs at least one subnet');
    this.startedBy = options.startedBy;
    if (!TASK_MARKER_PATTERN.test(this.startedBy)) {
      throw new RangeError('EcsTaskRunner needs a startedBy marker of 1 to 36 letters, digits, -, / or _');
    }
    this.clock = options.clock ?? systemClock;
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

  async stop(taskArn: string, reason: string): Promise<void> {
    try {
      await this.ecs.send(new StopTaskCommand({ cluster: this.options.clusterArn, task: taskArn, reason: truncateReason(reason) }));
    } catch (error) {
      if (isEcsTaskGone(error)) return;
      rethrowAwsError(error, 'ECS StopTask');
    }
  }

  async listManaged(): Promise<ManagedTask[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      let page;
      try {
        // startedBy must be the only filter of ListTasks; desiredStatus defaults to RUNNING, which
        // is what we want (tasks not yet asked to stop, whatever their lastStatus).
        page = await this.ecs.send(new ListTasksCommand({ cluster: this.options.clusterArn, startedBy: this.startedBy, maxResults: 100, nextToken }));
      } catch (error) {
        return rethrowAwsError(error, 'ECS ListTasks');
      }
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    const tasks = await this.describe(arns);
    return tasks.filter((t) => t.lastStatus !== 'STOPPED');
  }

  async describe(taskArns: readonly string[]): Promise<ManagedTask[]> {
    const out: ManagedTask[] = [];
    for (const batch of chunks(taskArns, DESCRIBE_BATCH)) {
      let response;
      try {
        response = await this.ecs.send(new DescribeTasksCommand({ cluster: this.options.clusterArn, tasks: batch, include: ['TAGS'] }));
      } catch (error) {
        return rethrowAwsError(error, 'ECS DescribeTasks');
      }
      // MISSING means the task no longer exists (ECS keeps stopped tasks for about an hour). Any
      // other failure says nothing about the task, and leaving it out would let the sweep treat a
      // live task as lost, so it is an error.
      const unexpected = (response.failures ?? []).filter((f) => f.reason !== 'MISSING');
      if (unexpected.length > 0) {
        throw new UnavailableError(`ECS DescribeTasks failed for ${unexpected.length} task(s): ${describeFailure(unexpected[0])}`);
      }
      for (const task of response.tasks ?? []) {
        if (!task.taskArn) continue;
        out.push({
          taskArn: task.taskArn,
          sessionId: sessionIdOf(task),
          lastStatus: task.lastStatus ?? 'UNKNOWN',
          createdAt: task.createdAt?.getTime() ?? this.clock.now(),
        });
      }
    }
    return out;
  }
}
