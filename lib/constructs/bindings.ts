// What a function is given: its environment (every variable the one wiring module reads) and its
// grants, exactly the calls contract/function-calls.ts lists for it, each on the concrete resources
// of this stack and under the conditions that keep it there (README, "Least privilege").
import { type IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type IQueue } from 'aws-cdk-lib/aws-sqs';
import { type CallResource, type FunctionCalls, type IamAction } from '../../contract/function-calls';
import { type WiringEnvName } from '../../contract/function-env';
import { BY_DEADLINE_INDEX, BY_OWNER_INDEX } from '../../contract/table-definitions';
import { TAG_WORKSPACE_STACK } from '../../contract/workspace-tags';
import { ArnFormat, Stack } from 'aws-cdk-lib';
import { type DefinedTable } from '../stacks/stateful-stack';
import { type ExpiryScheduling } from './expiry-scheduling';
import { type ProfileParameters } from './profile-parameters';
import { type SessionCluster } from './session-cluster';
import { type SessionFunction } from './session-function';

/** What the functions of a stack are bound to. */
export interface BoundResources {
  sessions: DefinedTable;
  idempotency: DefinedTable;
  workspaces: DefinedTable;
  cluster: SessionCluster;
  scheduling: ExpiryScheduling;
  eventBus: IEventBus;
  profiles: ProfileParameters;
  startQueue: IQueue;
}

/** Where one action on one of the contract's resources may be made here. */
export interface CallScope {
  resources: string[];
  conditions?: Record<string, Record<string, string>>;
}

const ECS_TASKS_SERVICE = 'ecs-tasks.amazonaws.com';
const SCHEDULER_SERVICE = 'scheduler.amazonaws.com';
const ECS_SERVICE = 'ecs.amazonaws.com';

/** `<table ARN>/index/<name>`, for an index the table's definition has (a renamed index fails synth). */
const indexArn = ({ table, definition }: DefinedTable, indexName: string): string => {
  if (!definition.globalSecondaryIndexes.some((i) => i.indexName === indexName)) throw new Error(`the table has no index ${indexName}`);
  return `${table.tableArn}/index/${indexName}`;
};

/** Each resource of the contract as this stack has it: its ARNs and, per action, its conditions. */
export const callScopes = (bound: BoundResources): Record<CallResource, (action: IamAction) => CallScope> => {
  const { cluster, scheduling } = bound;
  const onCluster = { ArnEquals: { 'ecs:cluster': cluster.clusterArn } };
  const passedTo = (service: string) => ({ StringEquals: { 'iam:PassedToService': service } });
  return {
    sessionsTable: () => ({ resources: [bound.sessions.table.tableArn] }),
    sessionsByOwner: () => ({ resources: [indexArn(bound.sessions, BY_OWNER_INDEX)] }),
    sessionsByDeadline: () => ({ resources: [indexArn(bound.sessions, BY_DEADLINE_INDEX)] }),
    idempotencyTable: () => ({ resources: [bound.idempotency.table.tableArn] }),
    taskDefinitions: () => ({ resources: cluster.taskDefinitionResources, conditions: onCluster }),
    // Tagging is allowed only as part of the RunTask that creates the task (tags at launch).
    clusterTasks: (action) => ({
      resources: [cluster.tasksArn],
      conditions: action === 'ecs:TagResource' ? { StringEquals: { 'ecs:CreateAction': 'RunTask' } } : onCluster,
    }),
    // ListTasks is authorized on the container-instance resource type, which Fargate tasks do not
    // have; the ecs:cluster condition is what scopes it.
    cluster: () => ({ resources: ['*'], conditions: onCluster }),
    sessionSchedules: () => ({ resources: [scheduling.sessionSchedulesArn] }),
    schedulerRole: () => ({ resources: [scheduling.schedulerRole.roleArn], conditions: passedTo(SCHEDULER_SERVICE) }),
    taskRoles: () => ({ resources: cluster.taskRoleArns, conditions: passedTo(ECS_TASKS_SERVICE) }),
    eventBus: () => ({ resources: [bound.eventBus.eventBusArn] }),
    profileParameters: () => ({ resources: [bound.profiles.pathArn] }),
    startQueue: () => ({ resources: [bound.startQueue.queueArn] }),
    ...workspaceScopes(bound, passedTo),
  };
};

type WorkspaceCallResource = 'workspacesTable' | 'workspaceSchedules' | 'workspaceSchedulerRole' | 'workspaceVolumes' | 'workspaceSnapshots' | 'ec2Descriptions' | 'workspaceVolumesRole';

/**
 * The workspaces' resources (README "Workspaces"), only where a profile has a workspace (the
 * cluster made the infrastructure role): otherwise none, so no function gets a grant for them.
 * EBS volumes and snapshots get runtime ids, so the stack's tag is what scopes them: a call may
 * touch only one that carries it, and a snapshot may only be made with it.
 */
const workspaceScopes = (
  bound: BoundResources,
  passedTo: (service: string) => Record<string, Record<string, string>>,
): Record<WorkspaceCallResource, (action: IamAction) => CallScope> => {
  const { cluster, scheduling } = bound;
  const on = cluster.volumesRole !== undefined;
  const only = (resources: string[]): string[] => (on ? resources : []);
  const stack = Stack.of(cluster);
  const ec2Arn = (resource: string, account = stack.account) =>
    stack.formatArn({ service: 'ec2', resource, resourceName: '*', account, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  const carriesTag = { StringEquals: { [`aws:ResourceTag/${TAG_WORKSPACE_STACK}`]: cluster.taskMarker } };
  const madeWithTag = { StringEquals: { [`aws:RequestTag/${TAG_WORKSPACE_STACK}`]: cluster.taskMarker } };
  return {
    workspacesTable: () => ({ resources: only([bound.workspaces.table.tableArn]) }),
    workspaceSchedules: () => ({ resources: only([scheduling.workspaceSchedulesArn]) }),
    workspaceSchedulerRole: () => ({ resources: only([scheduling.schedulerRole.roleArn]), conditions: passedTo(SCHEDULER_SERVICE) }),
    workspaceVolumes: () => ({ resources: only([ec2Arn('volume')]), conditions: carriesTag }),
    // Snapshot ARNs name no account (`arn:aws:ec2:<region>::snapshot/snap-…`).
    workspaceSnapshots: (action) => ({
      resources: only([ec2Arn('snapshot', '')]),
      conditions:
        action === 'ec2:DeleteSnapshot'
          ? carriesTag
          : action === 'ec2:CreateTags'
            ? { StringEquals: { ...madeWithTag.StringEquals, 'ec2:CreateAction': 'CreateSnapshot' } }
            : madeWithTag,
    }),
    // DescribeVolumes and DescribeSnapshots have no resource-level permissions.
    ec2Descriptions: () => ({ resources: only(['*']) }),
    workspaceVolumesRole: () => ({ resources: cluster.volumesRoleArns, conditions: passedTo(ECS_SERVICE) }),
  };
};

/**
 * Grants a function exactly its calls: one statement per resource and condition, naming only the
 * actions the contract lists there. A resource this deployment does not have (no task roles for
 * imported task definitions that name none) gets no statement.
 */
export const grantCalls = (fn: SessionFunction, calls: FunctionCalls, scopes: ReturnType<typeof callScopes>): void => {
  const statements = new Map<string, { scope: CallScope; actions: IamAction[] }>();
  for (const [on, actions] of Object.entries(calls) as [CallResource, readonly IamAction[]][]) {
    for (const action of actions) {
      const scope = scopes[on](action);
      if (scope.resources.length === 0) continue;
      const key = `${on} ${JSON.stringify(scope.conditions ?? {})}`;
      const entry = statements.get(key) ?? { scope, actions: [] };
      entry.actions.push(action);
      statements.set(key, entry);
    }
  }
  for (const { scope, actions } of statements.values()) {
    fn.addToRolePolicy(new PolicyStatement({ actions, resources: scope.resources, ...(scope.conditions && { conditions: scope.conditions }) }));
  }
};

const bindTableName = (fn: SessionFunction, envName: WiringEnvName, { table }: DefinedTable): void => {
  fn.addEnvironment(envName, table.tableName);
};

/** Sets every variable the wiring reads that names one of the bound resources. */
export const bindEnvironment = (fn: SessionFunction, bound: BoundResources): void => {
  bindTableName(fn, 'SESSIONS_TABLE_NAME', bound.sessions);
  bindTableName(fn, 'IDEMPOTENCY_TABLE_NAME', bound.idempotency);
  bindTableName(fn, 'WORKSPACES_TABLE_NAME', bound.workspaces);
  bound.scheduling.addEnvironmentTo(fn);
  bound.cluster.addEnvironmentTo(fn);
  fn.addEnvironment('EVENT_BUS_NAME', bound.eventBus.eventBusName);
  bound.profiles.addEnvironmentTo(fn);
  fn.addEnvironment('START_QUEUE_URL', bound.startQueue.queueUrl);
};
