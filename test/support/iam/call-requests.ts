// What AWS authorizes when an SDK call is made: the IAM actions, resource ARNs and condition keys
// of each call our adapters send (Service Authorization Reference for DynamoDB, ECS, EventBridge
// Scheduler, EventBridge, SSM, SQS and EC2). RunTask is also authorized as ecs:TagResource of the task it creates
// (when it tags at launch) and as iam:PassRole of the task definition's roles; CreateSchedule also as
// iam:PassRole of its target's role; a RunTask with a workspace volume also as iam:PassRole of the
// volume's infrastructure role to ECS; CreateSnapshot as ec2:CreateSnapshot of the volume and of the
// new snapshot (with its tags) and, for the tags it is made with, ec2:CreateTags. An operation not listed here throws, so a new SDK call gets a
// conscious translation instead of slipping through unchecked.
//
// The same translation turns the declared map (contract/function-calls.ts) into requests: each
// entry becomes the SDK call the adapters would make on that resource, addressed as a function's
// environment addresses it.
import { randomUUID } from 'node:crypto';
import { type CallResource, type IamAction } from '../../../contract/function-calls';
import { BY_DEADLINE_INDEX, BY_OWNER_INDEX } from '../../../contract/table-definitions';
import { TAG_WORKSPACE_STACK } from '../../../contract/workspace-tags';
import { type CfnResolver } from '../cfn-intrinsics';
import { type IamRequest } from './simulator';

export type AwsService = 'dynamodb' | 'ecs' | 'scheduler' | 'eventbridge' | 'ssm' | 'sqs' | 'ec2';

/** One call a function sent, as a local fake (or a recording proxy) received it. */
export interface SdkCall {
  service: AwsService;
  operation: string;
  input: Record<string, unknown>;
}

interface Where {
  partition: string;
  region: string;
  accountId: string;
}

export const ECS_TASKS_SERVICE = 'ecs-tasks.amazonaws.com';
export const SCHEDULER_SERVICE = 'scheduler.amazonaws.com';
export const ECS_SERVICE = 'ecs.amazonaws.com';

const text = (value: unknown, what: string): string => {
  if (typeof value !== 'string' || value === '') throw new Error(`${what} is missing from the call`);
  return value;
};

const arnOf = (where: Where, service: string, resource: string): string =>
  `arn:${where.partition}:${service}:${where.region}:${where.accountId}:${resource}`;

/** The name at the end of an ARN (`.../name`), or the value itself when it is a name. */
const lastName = (nameOrArn: string): string => (nameOrArn.startsWith('arn:') ? nameOrArn.slice(nameOrArn.lastIndexOf('/') + 1) : nameOrArn);

const tableArn = (where: Where, nameOrArn: string): string => (nameOrArn.startsWith('arn:') ? nameOrArn : arnOf(where, 'dynamodb', `table/${nameOrArn}`));
const clusterArn = (where: Where, nameOrArn: unknown): string => {
  const given = typeof nameOrArn === 'string' && nameOrArn !== '' ? nameOrArn : 'default';
  return given.startsWith('arn:') ? given : arnOf(where, 'ecs', `cluster/${given}`);
};
const taskArn = (where: Where, cluster: string, task: string): string =>
  task.startsWith('arn:') ? task : arnOf(where, 'ecs', `task/${lastName(cluster)}/${task}`);

/** The task and execution roles of a task definition the templates declare (none for one they import). */
const rolesOfTaskDefinition = (resolver: CfnResolver, taskDefinitionArn: string): string[] => {
  const found = resolver.resourcesOfType('AWS::ECS::TaskDefinition').find(({ stackName, logicalId }) => resolver.ref(stackName, logicalId) === taskDefinitionArn);
  if (found === undefined) return [];
  const p = resolver.resolve(found.stackName, found.resource.Properties ?? {}) as { TaskRoleArn?: string; ExecutionRoleArn?: string };
  return [p.TaskRoleArn, p.ExecutionRoleArn].filter((arn): arn is string => arn !== undefined);
};

const dynamodbRequests = (where: Where, { operation, input }: SdkCall): IamRequest[] => {
  if (!['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan'].includes(operation)) {
    throw new Error(`no IAM translation for DynamoDB ${operation}`);
  }
  const table = tableArn(where, text(input['TableName'], `DynamoDB ${operation} TableName`));
  const index = input['IndexName'];
  const onIndex = (operation === 'Query' || operation === 'Scan') && typeof index === 'string';
  return [{ action: `dynamodb:${operation}`, resource: onIndex ? `${table}/index/${index}` : table }];
};

const ecsRequests = (where: Where, resolver: CfnResolver, { operation, input }: SdkCall): IamRequest[] => {
  const cluster = clusterArn(where, input['cluster']);
  const onCluster = { 'ecs:cluster': cluster };
  switch (operation) {
    case 'RunTask': {
      const taskDefinition = text(input['taskDefinition'], 'RunTask taskDefinition');
      const tagged = Array.isArray(input['tags']) && input['tags'].length > 0;
      const overrides = (input['overrides'] ?? {}) as { taskRoleArn?: string; executionRoleArn?: string };
      const passed = [...rolesOfTaskDefinition(resolver, taskDefinition), overrides.taskRoleArn, overrides.executionRoleArn].filter(
        (arn): arn is string => arn !== undefined,
      );
      const volumeRoles = ((input['volumeConfigurations'] ?? []) as { managedEBSVolume?: { roleArn?: string } }[]).flatMap((v) =>
        v.managedEBSVolume?.roleArn === undefined ? [] : [v.managedEBSVolume.roleArn],
      );
      return [
        { action: 'ecs:RunTask', resource: taskDefinition, context: onCluster },
        ...volumeRoles.map((role) => ({ action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': ECS_SERVICE } })),
        // The task does not exist yet: any id of a task in this cluster.
        ...(tagged ? [{ action: 'ecs:TagResource', resource: taskArn(where, cluster, randomUUID().replaceAll('-', '')), context: { 'ecs:CreateAction': 'RunTask' } }] : []),
        ...passed.map((role) => ({ action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': ECS_TASKS_SERVICE } })),
      ];
    }
    case 'StopTask':
      return [{ action: 'ecs:StopTask', resource: taskArn(where, cluster, text(input['task'], 'StopTask task')), context: onCluster }];
    case 'DescribeTasks':
      return ((input['tasks'] ?? []) as string[]).map((task) => ({ action: 'ecs:DescribeTasks', resource: taskArn(where, cluster, task), context: onCluster }));
    case 'ListTasks':
      // Names no container instance: authorized on "*" under the ecs:cluster condition.
      return [{ action: 'ecs:ListTasks', resource: '*', context: onCluster }];
    default:
      throw new Error(`no IAM translation for ECS ${operation}`);
  }
};

const schedulerRequests = (where: Where, { operation, input }: SdkCall): IamRequest[] => {
  const group = typeof input['GroupName'] === 'string' && input['GroupName'] !== '' ? input['GroupName'] : 'default';
  const schedule = arnOf(where, 'scheduler', `schedule/${group}/${text(input['Name'], `Scheduler ${operation} Name`)}`);
  switch (operation) {
    case 'CreateSchedule': {
      const target = (input['Target'] ?? {}) as { RoleArn?: unknown };
      return [
        { action: 'scheduler:CreateSchedule', resource: schedule },
        { action: 'iam:PassRole', resource: text(target.RoleArn, 'CreateSchedule Target.RoleArn'), context: { 'iam:PassedToService': SCHEDULER_SERVICE } },
      ];
    }
    case 'DeleteSchedule':
    case 'GetSchedule':
      return [{ action: `scheduler:${operation}`, resource: schedule }];
    default:
      throw new Error(`no IAM translation for Scheduler ${operation}`);
  }
};

const eventBridgeRequests = (where: Where, { operation, input }: SdkCall): IamRequest[] => {
  if (operation !== 'PutEvents') throw new Error(`no IAM translation for EventBridge ${operation}`);
  const buses = new Set(((input['Entries'] ?? []) as { EventBusName?: string }[]).map((e) => lastName(e.EventBusName || 'default')));
  return [...buses].map((bus) => ({ action: 'events:PutEvents', resource: arnOf(where, 'events', `event-bus/${bus}`) }));
};

const ssmRequests = (where: Where, { operation, input }: SdkCall): IamRequest[] => {
  if (operation !== 'GetParametersByPath') throw new Error(`no IAM translation for SSM ${operation}`);
  // Authorized on the path asked for (`parameter/<path>`), not on each parameter under it.
  return [{ action: 'ssm:GetParametersByPath', resource: arnOf(where, 'ssm', `parameter${text(input['Path'], 'GetParametersByPath Path')}`) }];
};

/** The calls on a queue (by its QueueUrl) that the api, the starter and its event source mapping make. */
const SQS_QUEUE_OPERATIONS: Record<string, string> = {
  SendMessage: 'sqs:SendMessage',
  ReceiveMessage: 'sqs:ReceiveMessage',
  DeleteMessage: 'sqs:DeleteMessage',
  DeleteMessageBatch: 'sqs:DeleteMessage',
  ChangeMessageVisibility: 'sqs:ChangeMessageVisibility',
  ChangeMessageVisibilityBatch: 'sqs:ChangeMessageVisibility',
  GetQueueAttributes: 'sqs:GetQueueAttributes',
};

/** `https://sqs.<region>.<suffix>/<account>/<name>` -> the queue's ARN. */
const queueArnOfUrl = (where: Where, queueUrl: string): string => {
  const [, account, name] = new URL(queueUrl).pathname.split('/');
  if (account === undefined || name === undefined || name === '') throw new Error(`${queueUrl} is not a queue URL`);
  return `arn:${where.partition}:sqs:${where.region}:${account}:${name}`;
};

const sqsRequests = (where: Where, { operation, input }: SdkCall): IamRequest[] => {
  const action = SQS_QUEUE_OPERATIONS[operation];
  if (action === undefined) throw new Error(`no IAM translation for SQS ${operation}`);
  return [{ action, resource: queueArnOfUrl(where, text(input['QueueUrl'], `SQS ${operation} QueueUrl`)) }];
};

type Ec2Tags = { Key?: string; Value?: string }[];

/** `aws:ResourceTag/<key>` of every tag the resource carries (the caller says which, as EC2 knows them). */
const resourceTagContext = (tags: Ec2Tags): Record<string, string> =>
  Object.fromEntries(tags.flatMap((t) => (t.Key === undefined ? [] : [[`aws:ResourceTag/${t.Key}`, t.Value ?? '']])));
const requestTagContext = (tags: Ec2Tags): Record<string, string | string[]> => ({
  ...Object.fromEntries(tags.flatMap((t) => (t.Key === undefined ? [] : [[`aws:RequestTag/${t.Key}`, t.Value ?? '']]))),
  'aws:TagKeys': tags.flatMap((t) => (t.Key === undefined ? [] : [t.Key])),
});

/**
 * EC2: the ids name no owner, so a call carries the tags of the resource it acts on as
 * `resourceTags` (what EC2 itself looks up), beside the SDK input.
 */
const ec2Requests = (where: Where, { operation, input }: SdkCall): IamRequest[] => {
  const volume = (id: string) => arnOf(where, 'ec2', `volume/${id}`);
  const snapshot = (id: string) => `arn:${where.partition}:ec2:${where.region}::snapshot/${id}`;
  const onTags = resourceTagContext((input['resourceTags'] ?? []) as Ec2Tags);
  switch (operation) {
    case 'DescribeVolumes':
    case 'DescribeSnapshots':
      return [{ action: `ec2:${operation}`, resource: '*' }];
    case 'DeleteVolume':
      return [{ action: 'ec2:DeleteVolume', resource: volume(text(input['VolumeId'], 'DeleteVolume VolumeId')), context: onTags }];
    case 'DeleteSnapshot':
      return [{ action: 'ec2:DeleteSnapshot', resource: snapshot(text(input['SnapshotId'], 'DeleteSnapshot SnapshotId')), context: onTags }];
    case 'CreateSnapshot': {
      const specs = (input['TagSpecifications'] ?? []) as { ResourceType?: string; Tags?: Ec2Tags }[];
      const tags = specs.filter((t) => t.ResourceType === 'snapshot').flatMap((t) => t.Tags ?? []);
      const made = snapshot(`snap-${randomUUID().replaceAll('-', '').slice(0, 17)}`);
      const requested = requestTagContext(tags);
      return [
        { action: 'ec2:CreateSnapshot', resource: volume(text(input['VolumeId'], 'CreateSnapshot VolumeId')), context: onTags },
        { action: 'ec2:CreateSnapshot', resource: made, context: requested },
        ...(tags.length > 0 ? [{ action: 'ec2:CreateTags', resource: made, context: { ...requested, 'ec2:CreateAction': 'CreateSnapshot' } }] : []),
      ];
    }
    default:
      throw new Error(`no IAM translation for EC2 ${operation}`);
  }
};

/** Every authorization AWS makes for one SDK call. */
export const requestsOfCall = (resolver: CfnResolver, call: SdkCall): IamRequest[] => {
  const where = resolver.env;
  switch (call.service) {
    case 'dynamodb':
      return dynamodbRequests(where, call);
    case 'ecs':
      return ecsRequests(where, resolver, call);
    case 'scheduler':
      return schedulerRequests(where, call);
    case 'eventbridge':
      return eventBridgeRequests(where, call);
    case 'ssm':
      return ssmRequests(where, call);
    case 'sqs':
      return sqsRequests(where, call);
    case 'ec2':
      return ec2Requests(where, call);
  }
};

const variable = (environment: Record<string, string>, name: string): string => text(environment[name], `the function's ${name}`);

/** The profiles the templates write under the function's PROFILES_PARAMETER_PATH, as it reads them. */
export const profileTargets = (resolver: CfnResolver, environment: Record<string, string>): { taskDefinitionArn: string; containerName: string; workspace?: unknown }[] => {
  const prefix = `${variable(environment, 'PROFILES_PARAMETER_PATH')}/`;
  return resolver
    .resourcesOfType('AWS::SSM::Parameter')
    .map(({ stackName, resource }) => resolver.resolve(stackName, resource.Properties) as { Name?: string; Value: string })
    .filter((p) => p.Name?.startsWith(prefix) === true)
    .map((p) => JSON.parse(p.Value) as { taskDefinitionArn: string; containerName: string; workspace?: unknown });
};

/**
 * The SDK calls an adapter makes for one entry of the map, addressed as the function's environment
 * addresses the resources (table names, cluster, profiles' task definitions, group, role, bus).
 */
export const callsForEntry = (resolver: CfnResolver, environment: Record<string, string>, on: CallResource, action: IamAction): SdkCall[] => {
  const [service, operation = ''] = action.split(':') as [string, string];
  const cluster = variable(environment, 'CLUSTER_ARN');
  const someTask = `${randomUUID().replaceAll('-', '')}`;
  const volumesRole = environment['WORKSPACE_VOLUMES_ROLE_ARN'];
  const runTasks = (): SdkCall[] =>
    profileTargets(resolver, environment).map((p) => ({
      service: 'ecs',
      operation: 'RunTask',
      input: {
        cluster,
        taskDefinition: p.taskDefinitionArn,
        tags: [{ key: 'session-id', value: randomUUID() }],
        ...(p.workspace !== undefined && volumesRole !== undefined && { volumeConfigurations: [{ name: 'workspace', managedEBSVolume: { roleArn: volumesRole } }] }),
      },
    }));
  // The stack's tag, as the adapters put it on every workspace volume and snapshot.
  const stackTags = [{ Key: TAG_WORKSPACE_STACK, Value: variable(environment, 'TASK_MARKER') }];
  const someId = randomUUID().replaceAll('-', '').slice(0, 17);
  const createSchedule = (): SdkCall => ({
    service: 'scheduler',
    operation: 'CreateSchedule',
    input: { Name: `${randomUUID()}-1`, GroupName: variable(environment, 'SCHEDULE_GROUP_NAME'), Target: { Arn: variable(environment, 'EXPIRE_FUNCTION_ARN'), RoleArn: variable(environment, 'SCHEDULER_ROLE_ARN') } },
  });
  switch (on) {
    case 'sessionsTable':
    case 'idempotencyTable':
      return [{ service: 'dynamodb', operation, input: { TableName: variable(environment, on === 'sessionsTable' ? 'SESSIONS_TABLE_NAME' : 'IDEMPOTENCY_TABLE_NAME') } }];
    case 'sessionsByOwner':
    case 'sessionsByDeadline':
      return [{ service: 'dynamodb', operation, input: { TableName: variable(environment, 'SESSIONS_TABLE_NAME'), IndexName: on === 'sessionsByOwner' ? BY_OWNER_INDEX : BY_DEADLINE_INDEX } }];
    case 'taskDefinitions':
    case 'taskRoles':
      return runTasks();
    case 'clusterTasks':
      if (operation === 'TagResource') return runTasks();
      return [{ service: 'ecs', operation, input: operation === 'DescribeTasks' ? { cluster, tasks: [someTask] } : { cluster, task: someTask } }];
    case 'cluster':
      return [{ service: 'ecs', operation, input: { cluster } }];
    case 'sessionSchedules':
      return operation === 'CreateSchedule' ? [createSchedule()] : [{ service: 'scheduler', operation, input: { Name: `${randomUUID()}-1`, GroupName: variable(environment, 'SCHEDULE_GROUP_NAME') } }];
    case 'schedulerRole':
      return [createSchedule()];
    case 'eventBus':
      return [{ service: 'eventbridge', operation, input: { Entries: [{ EventBusName: variable(environment, 'EVENT_BUS_NAME') }] } }];
    case 'profileParameters':
      return [{ service: 'ssm', operation, input: { Path: variable(environment, 'PROFILES_PARAMETER_PATH') } }];
    case 'startQueue':
      return [{ service: 'sqs', operation, input: { QueueUrl: variable(environment, 'START_QUEUE_URL') } }];
    case 'workspacesTable':
      return [{ service: 'dynamodb', operation, input: { TableName: variable(environment, 'WORKSPACES_TABLE_NAME') } }];
    case 'workspaceSchedules':
      return operation === 'CreateSchedule'
        ? [{ ...createSchedule(), input: { ...createSchedule().input, Name: `ws-${someId.padEnd(32, '0')}-1` } }]
        : [{ service: 'scheduler', operation, input: { Name: `ws-${someId.padEnd(32, '0')}-1`, GroupName: variable(environment, 'SCHEDULE_GROUP_NAME') } }];
    case 'workspaceSchedulerRole':
      return [createSchedule()];
    case 'workspaceVolumesRole':
      return runTasks().filter((call) => 'volumeConfigurations' in call.input);
    case 'ec2Descriptions':
      return [{ service: 'ec2', operation, input: {} }];
    case 'workspaceVolumes':
    case 'workspaceSnapshots':
      if (operation === 'CreateSnapshot' || operation === 'CreateTags') {
        return [{ service: 'ec2', operation: 'CreateSnapshot', input: { VolumeId: `vol-${someId}`, resourceTags: stackTags, TagSpecifications: [{ ResourceType: 'snapshot', Tags: stackTags }] } }];
      }
      return [{ service: 'ec2', operation, input: operation === 'DeleteVolume' ? { VolumeId: `vol-${someId}`, resourceTags: stackTags } : { SnapshotId: `snap-${someId}`, resourceTags: stackTags } }];
    default:
      throw new Error(`no SDK call for ${service} on ${String(on)}`);
  }
};

/** The authorizations of one entry of the map: those of its SDK calls that are its action. */
export const requestsForEntry = (resolver: CfnResolver, environment: Record<string, string>, on: CallResource, action: IamAction): IamRequest[] =>
  callsForEntry(resolver, environment, on, action)
    .flatMap((call) => requestsOfCall(resolver, call))
    .filter((request) => request.action === action);
