// The AWS adapters over SDK clients (region and credentials from the Lambda environment), one
// builder per port, and the sets the roots compose: each root asks for the set its handler calls,
// so a function constructs, and its bundle holds, no client it does not use (README "Performance").
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type JwtVerifier, remoteJwtVerifier } from '../adapters/auth/jwt-verifier';
import { EcsTaskRunner } from '../adapters/aws/ecs-task-runner';
import { EventBridgeEventPublisher } from '../adapters/aws/eventbridge-event-publisher';
import { EventBridgeScheduler } from '../adapters/aws/eventbridge-scheduler';
import { log, metricsPort } from '../adapters/observability/powertools';
import { type EndSessionAdapters, type PlatformAdapters, type RecordEndedAdapters } from '../build-handler-deps';
import { type LambdaEnv } from '../wiring';

export const dynamoDbClient = (): DynamoDBDocumentClient => DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const ecsTaskRunner = (env: LambdaEnv): EcsTaskRunner =>
  new EcsTaskRunner(new ECSClient({}), {
    clusterArn: env.CLUSTER_ARN,
    subnetIds: env.TASK_SUBNET_IDS,
    securityGroupIds: env.TASK_SECURITY_GROUP_IDS,
    assignPublicIp: env.TASK_ASSIGN_PUBLIC_IP,
    profiles: env.ecsProfiles,
  });

export const eventBridgeScheduler = (env: LambdaEnv): EventBridgeScheduler =>
  new EventBridgeScheduler(new SchedulerClient({}), {
    groupName: env.SCHEDULE_GROUP_NAME,
    targetArn: env.EXPIRE_FUNCTION_ARN,
    roleArn: env.SCHEDULER_ROLE_ARN,
    dlqArn: env.SCHEDULE_DLQ_ARN,
  });

export const eventBridgePublisher = (env: LambdaEnv): EventBridgeEventPublisher =>
  new EventBridgeEventPublisher(new EventBridgeClient({}), { eventBusName: env.EVENT_BUS_NAME });

/**
 * Made on the first token, not at init: jose's remote key set builds a `Headers`, which loads Node's
 * fetch implementation (undici), about a fifth of the SDK clients' own load + init time; most
 * requests carry no token to verify, and the first that does fetches the keys over fetch anyway.
 */
export const jwtVerifierOf = (env: LambdaEnv): JwtVerifier => {
  let verifier: JwtVerifier | undefined;
  const opts = { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, jwksUrl: env.JWT_JWKS_URL };
  return { verify: (token) => (verifier ??= remoteJwtVerifier(opts)).verify(token) };
};

/** Recording a session's end: DynamoDB, the Scheduler (its schedule goes) and EventBridge (its event). */
export const recordEndedAdapters = (env: LambdaEnv): RecordEndedAdapters => ({
  dynamodb: dynamoDbClient(),
  scheduler: eventBridgeScheduler(env),
  events: eventBridgePublisher(env),
  log,
  metrics: metricsPort,
});

/** Ending a session: the above, and ECS to stop its task. */
export const endSessionAdapters = (env: LambdaEnv): EndSessionAdapters => ({ ...recordEndedAdapters(env), tasks: ecsTaskRunner(env) });

/** Everything, with the JWT verifier of the activity route: the API. */
export const awsAdapters = (env: LambdaEnv): PlatformAdapters => ({ ...endSessionAdapters(env), jwtVerifier: jwtVerifierOf(env) });
