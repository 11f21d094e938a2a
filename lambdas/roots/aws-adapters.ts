// The AWS adapters over SDK clients (region and credentials from the Lambda environment), one
// builder per port, and the sets the roots compose: each root asks for the set its handler calls,
// so a function constructs, and its bundle holds, no client it does not use (README "Performance").
// What only the api makes (the JWT verifier) is in its own root; the profile store, which the api
// and the starter read, in roots/profile-store.ts.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EcsManagedTasks } from '../adapters/aws/ecs-managed-tasks';
import { DynamoDbWorkspaceStore } from '../adapters/dynamodb/dynamodb-workspace-store';
import { EventBridgeEventPublisher } from '../adapters/aws/eventbridge-event-publisher';
import { EventBridgeScheduler } from '../adapters/aws/eventbridge-scheduler';
import type * as SqsSdk from '../adapters/aws/sdk/client-sqs';
import { SqsStartQueue } from '../adapters/aws/sqs-start-queue';
import { log, metricsPort } from '../adapters/observability/lambda-observability';
import { type EndSessionAdapters, type RecordEndedAdapters } from '../build-handler-deps';
import { type StartQueue } from '../ports/start-queue';
import { type WorkspaceDeps } from '../use-cases/use-case-deps';
import { type LambdaEnv } from '../wiring';
import { makeEc2WorkspaceVolumes } from './ec2-workspace-volumes-root';
import { LazyWorkspaceVolumes } from './lazy-workspace-volumes';
import { onFirstUse } from './on-first-use';
import { TAG_WORKSPACE_STACK } from '../../contract/workspace-tags';

export const dynamoDbClient = (): DynamoDBDocumentClient => DynamoDBDocumentClient.from(new DynamoDBClient({}));

/**
 * ECS, stopping and listing this deployment's tasks by its TASK_MARKER (contract/ecs-tasks.ts): what
 * the functions that end sessions (api, expire, sweep) do with tasks. Only the starter starts them,
 * and its root alone makes the runner that does (roots/starter-root.ts), so no other bundle holds
 * RunTask's code (README "Performance").
 */
export const ecsManagedTasks = (env: LambdaEnv): EcsManagedTasks =>
  new EcsManagedTasks(new ECSClient({}), { clusterArn: env.CLUSTER_ARN, startedBy: env.TASK_MARKER });

/** The tag every workspace volume and snapshot of this stack carries, which its EC2 grants are scoped by. */
export const workspaceStackTag = (env: LambdaEnv) => ({ key: TAG_WORKSPACE_STACK, value: env.TASK_MARKER });

/** Set by the bundler (lib/constructs/session-function.ts `bundleDefines`); undefined unbundled. */
declare const SESSION_EXPIRY_WORKSPACES: boolean | undefined;

/**
 * The workspaces (README "Workspaces"): the Workspaces table and EBS, only where a profile has a
 * workspace (WORKSPACE_VOLUMES_ROLE_ARN set). The EC2 client's module is loaded and the client made on
 * the first EC2 call, not at init: most invocations end no session of a workspace profile, and none of the api's reads needs it.
 */
export const workspaceDeps = (env: LambdaEnv, dynamodb: DynamoDBDocumentClient): WorkspaceDeps | undefined =>
  // A bundle made without workspaces holds no EC2 code: the bundler folds this test to `true`, and
  // drops the branch below with the workspace adapters (the stack sets WORKSPACE_VOLUMES_ROLE_ARN
  // exactly when it bundles with them).
  env.WORKSPACE_VOLUMES_ROLE_ARN === undefined || (typeof SESSION_EXPIRY_WORKSPACES !== 'undefined' && !SESSION_EXPIRY_WORKSPACES)
    ? undefined
    : {
        store: new DynamoDbWorkspaceStore({ client: dynamodb, tableName: env.WORKSPACES_TABLE_NAME }),
        // The EC2 client's package is loaded, and evaluated, on the first EC2 call only (README
        // "Performance"). Our adapter over it is in the bundle: behind an import() of its own it
        // took a chunk more at load, for 4 KiB.
        volumes: new LazyWorkspaceVolumes(async () => makeEc2WorkspaceVolumes({ stackTag: workspaceStackTag(env) })),
      };

export const eventBridgeScheduler = (env: LambdaEnv): EventBridgeScheduler =>
  new EventBridgeScheduler(new SchedulerClient({}), {
    groupName: env.SCHEDULE_GROUP_NAME,
    targetArn: env.EXPIRE_FUNCTION_ARN,
    roleArn: env.SCHEDULER_ROLE_ARN,
    dlqArn: env.SCHEDULE_DLQ_ARN,
  });

export const eventBridgePublisher = (env: LambdaEnv): EventBridgeEventPublisher =>
  new EventBridgeEventPublisher(new EventBridgeClient({}), { eventBusName: env.EVENT_BUS_NAME });

/** Recording a session's end: DynamoDB, the Scheduler (its schedule goes), EventBridge (its event) and the workspace it gives back. */
export const recordEndedAdapters = (env: LambdaEnv): RecordEndedAdapters => {
  const dynamodb = dynamoDbClient();
  const workspaces = workspaceDeps(env, dynamodb);
  return {
    dynamodb,
    scheduler: eventBridgeScheduler(env),
    events: eventBridgePublisher(env),
    log,
    metrics: metricsPort,
    ...(workspaces !== undefined && { workspaces }),
  };
};

/** Ending a session: the above, and ECS to stop its task. */
export const endSessionAdapters = (env: LambdaEnv): EndSessionAdapters => ({
  ...recordEndedAdapters(env),
  tasks: ecsManagedTasks(env),
});

/**
 * The start queue (START_QUEUE_URL): the api queues each create's start, the starter a throttled
 * start's retry. The queue is in the function's own region, so the client's resolved endpoint is
 * the right one; not taking the URL's host keeps an endpoint override (AWS_ENDPOINT_URL_SQS) in force.
 * The SQS client and its package are loaded on the first send, not at init, as the profile store's
 * SSM client: most cold starts of the api serve no create, and the starter sends only a throttled
 * start's retry (README "Performance"). The package is a first-use package of the bundles.
 */
export const sqsStartQueue = (env: LambdaEnv): StartQueue => {
  const made = onFirstUse(async () => {
    const sdk: typeof SqsSdk = await import('@aws-sdk/client-sqs');
    return new SqsStartQueue(new sdk.SQSClient({ useQueueUrlAsEndpoint: false }), { queueUrl: env.START_QUEUE_URL }, sdk);
  });
  return { enqueue: async (request, delaySeconds) => (await made()).enqueue(request, delaySeconds) };
};
