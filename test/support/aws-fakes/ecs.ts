// A local Amazon ECS for SDK v3 clients (AWS JSON 1.1): RunTask, StopTask, DescribeTasks and
// ListTasks on the clusters and task definitions it is given, with the checks ECS makes that a
// deployment can get wrong (unknown cluster or task definition, awsvpc without subnets, an override
// for a container the task definition does not have). Tasks do not move on their own: a test moves
// them (`setLastStatus`) and takes the "ECS Task State Change" event ECS would send for them. A
// test can have the next RunTasks answer a placement failure (`failNextRunTasks`, e.g. RESOURCE:ENI)
// as ECS does when it has no capacity: in `failures[]`, with no task.
import { randomBytes, randomUUID } from 'node:crypto';
import { AwsServiceError, type HttpFake, type RecordedCall, startJsonRpcFake } from './http-fake';

export interface EcsTaskDefinitionFake {
  family: string;
  containerNames: string[];
  networkMode?: string;
}

export interface EcsFakeOptions {
  region: string;
  accountId: string;
  /** Cluster ARNs that exist. */
  clusters: string[];
  /** Task definition ARN (family:revision) → what it declares. */
  taskDefinitions: Record<string, EcsTaskDefinitionFake>;
}

interface ContainerOverride {
  name?: string;
  environment?: { name?: string; value?: string }[];
}

export interface FakeTask {
  taskArn: string;
  clusterArn: string;
  taskDefinitionArn: string;
  lastStatus: string;
  desiredStatus: string;
  startedBy?: string;
  group: string;
  launchType?: string;
  overrides: { containerOverrides: ContainerOverride[] };
  tags: { key?: string; value?: string }[];
  containers: { name: string; lastStatus: string }[];
  createdAtMs: number;
  /** When the task first reached RUNNING. */
  startedAtMs?: number;
  stoppedAtMs?: number;
  stoppedReason?: string;
  stopCode?: string;
  version: number;
  clientToken?: string;
}

export interface EcsFake extends HttpFake {
  calls: RecordedCall[];
  tasks: Map<string, FakeTask>;
  /** Moves a task on, as the agent would (RUNNING, STOPPED, ...). */
  setLastStatus(taskArn: string, lastStatus: string): FakeTask;
  /** The event ECS puts on the default bus for the task's current state. */
  stateChangeEvent(taskArn: string): Record<string, unknown>;
  /** Reasons the next RunTasks fail with, one each (taken first in, first out). */
  failNextRunTasks: string[];
}

const PREFIX = 'AmazonEC2ContainerServiceV20141113';
const seconds = (ms: number): number => ms / 1000;
const clusterNameOf = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

/** The task as DescribeTasks/RunTask return it (timestamps in epoch seconds on the wire). */
const wireTask = (task: FakeTask, withTags: boolean): Record<string, unknown> => ({
  taskArn: task.taskArn,
  clusterArn: task.clusterArn,
  taskDefinitionArn: task.taskDefinitionArn,
  lastStatus: task.lastStatus,
  desiredStatus: task.desiredStatus,
  ...(task.startedBy !== undefined && { startedBy: task.startedBy }),
  group: task.group,
  ...(task.launchType !== undefined && { launchType: task.launchType }),
  overrides: task.overrides,
  containers: task.containers.map((c) => ({ ...c, taskArn: task.taskArn })),
  createdAt: seconds(task.createdAtMs),
  ...(task.startedAtMs !== undefined && { startedAt: seconds(task.startedAtMs) }),
  ...(task.stoppedAtMs !== undefined && { stoppedAt: seconds(task.stoppedAtMs) }),
  ...(task.stoppedReason !== undefined && { stoppedReason: task.stoppedReason }),
  ...(task.stopCode !== undefined && { stopCode: task.stopCode }),
  version: task.version,
  ...(withTags && { tags: task.tags }),
});

export const startEcsFake = async (options: EcsFakeOptions): Promise<EcsFake> => {
  const calls: RecordedCall[] = [];
  const tasks = new Map<string, FakeTask>();
  const failNextRunTasks: string[] = [];

  const clusterOf = (input: Record<string, unknown>): string => {
    const given = typeof input['cluster'] === 'string' ? input['cluster'] : 'default';
    const arn = options.clusters.find((c) => c === given || clusterNameOf(c) === given);
    if (arn === undefined) throw new AwsServiceError(400, 'ClusterNotFoundException', 'Cluster not found.');
    return arn;
  };
  const taskIn = (clusterArn: string, given: unknown): FakeTask | undefined => {
    const id = String(given);
    return [...tasks.values()].find((t) => t.clusterArn === clusterArn && (t.taskArn === id || t.taskArn.endsWith(`/${id}`)));
  };

  const runTask = (input: Record<string, unknown>) => {
    const clusterArn = clusterOf(input);
    const given = typeof input['taskDefinition'] === 'string' ? input['taskDefinition'] : '';
    const entry = Object.entries(options.taskDefinitions).find(([arn, def]) => arn === given || def.family === given || arn.endsWith(`/${given}`));
    if (entry === undefined) throw new AwsServiceError(400, 'ClientException', 'TaskDefinition not found.');
    const [taskDefinitionArn, definition] = entry;
    const failure = failNextRunTasks.shift();
    if (failure !== undefined) return { tasks: [], failures: [{ arn: taskDefinitionArn, reason: failure }] };
    const token = typeof input['clientToken'] === 'string' ? input['clientToken'] : undefined;
    const replay = token === undefined ? undefined : [...tasks.values()].find((t) => t.clientToken === token);
    if (replay !== undefined) return { tasks: [wireTask(replay, false)], failures: [] };
    const network = (input['networkConfiguration'] as { awsvpcConfiguration?: { subnets?: unknown[] } } | undefined)?.awsvpcConfiguration;
    if ((definition.networkMode ?? 'awsvpc') === 'awsvpc' && (network?.subnets ?? []).length === 0) {
      throw new AwsServiceError(400, 'InvalidParameterException', "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    }
    const overrides = ((input['overrides'] as { containerOverrides?: ContainerOverride[] } | undefined)?.containerOverrides ?? []);
    for (const override of overrides) {
      if (!definition.containerNames.includes(String(override.name))) {
        throw new AwsServiceError(400, 'InvalidParameterException', `Override for container named ${String(override.name)} is not a container in the TaskDefinition.`);
      }
    }
    const startedBy = typeof input['startedBy'] === 'string' ? input['startedBy'] : undefined;
    // Up to 36 letters, digits, hyphens, slashes and underscores.
    if (startedBy !== undefined && !/^[A-Za-z0-9_/-]{1,36}$/.test(startedBy)) throw new AwsServiceError(400, 'InvalidParameterException', 'startedBy is invalid.');
    const task: FakeTask = {
      taskArn: `arn:aws:ecs:${options.region}:${options.accountId}:task/${clusterNameOf(clusterArn)}/${randomBytes(16).toString('hex')}`,
      clusterArn,
      taskDefinitionArn,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      ...(startedBy !== undefined && { startedBy }),
      group: `family:${definition.family}`,
      ...(typeof input['launchType'] === 'string' && { launchType: input['launchType'] }),
      overrides: { containerOverrides: overrides },
      tags: (input['tags'] as FakeTask['tags'] | undefined) ?? [],
      containers: definition.containerNames.map((name) => ({ name, lastStatus: 'PENDING' })),
      createdAtMs: Date.now(),
      version: 1,
      ...(token !== undefined && { clientToken: token }),
    };
    tasks.set(task.taskArn, task);
    return { tasks: [wireTask(task, false)], failures: [] };
  };

  const stopTask = (input: Record<string, unknown>) => {
    const task = taskIn(clusterOf(input), input['task']);
    if (task === undefined) throw new AwsServiceError(400, 'InvalidParameterException', 'The referenced task was not found.');
    if (task.desiredStatus !== 'STOPPED') {
      task.desiredStatus = 'STOPPED';
      task.stopCode = 'UserInitiated';
      if (typeof input['reason'] === 'string') task.stoppedReason = input['reason'];
      task.version += 1;
    }
    return { task: wireTask(task, false) };
  };

  const describeTasks = (input: Record<string, unknown>) => {
    const clusterArn = clusterOf(input);
    const include = (input['include'] as string[] | undefined) ?? [];
    const found: Record<string, unknown>[] = [];
    const failures: { arn: string; reason: string }[] = [];
    for (const id of (input['tasks'] as unknown[] | undefined) ?? []) {
      const task = taskIn(clusterArn, id);
      if (task === undefined) failures.push({ arn: String(id), reason: 'MISSING' });
      else found.push(wireTask(task, include.includes('TAGS')));
    }
    return { tasks: found, failures };
  };

  const listTasks = (input: Record<string, unknown>) => {
    const clusterArn = clusterOf(input);
    const desired = typeof input['desiredStatus'] === 'string' ? input['desiredStatus'] : 'RUNNING';
    const startedBy = typeof input['startedBy'] === 'string' ? input['startedBy'] : undefined;
    const taskArns = [...tasks.values()]
      .filter((t) => t.clusterArn === clusterArn && t.desiredStatus === desired && (startedBy === undefined || t.startedBy === startedBy))
      .map((t) => t.taskArn);
    return { taskArns };
  };

  const server = await startJsonRpcFake(
    PREFIX,
    '1.1',
    { RunTask: runTask, StopTask: stopTask, DescribeTasks: describeTasks, ListTasks: listTasks },
    calls,
  );

  const existing = (taskArn: string): FakeTask => {
    const task = tasks.get(taskArn);
    if (task === undefined) throw new Error(`the ECS fake has no task ${taskArn}`);
    return task;
  };

  return {
    ...server,
    calls,
    tasks,
    failNextRunTasks,
    setLastStatus: (taskArn, lastStatus) => {
      const task = existing(taskArn);
      task.lastStatus = lastStatus;
      for (const container of task.containers) container.lastStatus = lastStatus;
      if (lastStatus === 'RUNNING') task.startedAtMs ??= Date.now();
      if (lastStatus === 'STOPPED') {
        task.desiredStatus = 'STOPPED';
        task.stoppedAtMs = Date.now();
        task.stoppedReason ??= 'Essential container in task exited';
        task.stopCode ??= task.startedAtMs === undefined ? 'TaskFailedToStart' : 'EssentialContainerExited';
      }
      task.version += 1;
      return task;
    },
    stateChangeEvent: (taskArn) => {
      const task = existing(taskArn);
      const { tags: _tags, clientToken: _token, createdAtMs, startedAtMs, stoppedAtMs, ...detail } = task;
      return {
        version: '0',
        id: randomUUID(),
        'detail-type': 'ECS Task State Change',
        source: 'aws.ecs',
        account: options.accountId,
        time: new Date().toISOString(),
        region: options.region,
        resources: [task.taskArn],
        // The event's timestamps are ISO strings; tags are not part of it.
        detail: {
          ...detail,
          containers: task.containers.map((c) => ({ ...c, taskArn: task.taskArn })),
          createdAt: new Date(createdAtMs).toISOString(),
          ...(startedAtMs !== undefined && { startedAt: new Date(startedAtMs).toISOString() }),
          ...(stoppedAtMs !== undefined && { stoppedAt: new Date(stoppedAtMs).toISOString() }),
          updatedAt: new Date().toISOString(),
        },
      };
    },
  };
};
