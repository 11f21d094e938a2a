// Settings and platform adapters -> the handlers' dependencies: the part of the composition that
// Lambda and the local stack share, so both build the store, the use-case settings and the rest
// the same way. The Lambda wiring reads the settings from its environment and makes AWS adapters
// (wiring.ts); the local stack reads them from the configuration and makes local adapters.
import { type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type JwtVerifier } from './adapters/auth/jwt-verifier';
import { DynamoDbIdempotencyKeys } from './adapters/dynamodb/dynamodb-idempotency-keys';
import { DynamoDbOwnerSlots } from './adapters/dynamodb/dynamodb-owner-slots';
import { DynamoDbSessionStore } from './adapters/dynamodb/dynamodb-session-store';
import { type HandlerDeps } from './handlers/handler-setup';
import { type Clock, systemClock } from './ports/clock';
import { type EventPublisher } from './ports/event-publisher';
import { type ExpiryScheduler } from './ports/expiry-scheduler';
import { type Log, type Metrics } from './ports/observability';
import { type ProfileCatalog } from './ports/profile-catalog';
import { type TaskRunner } from './ports/task-runner';
import { DEFAULT_SETTINGS } from './use-cases/use-case-deps';

/** What a deployment is configured with (on Lambda: environment variables; locally: the configuration). */
export interface DeploymentSettings {
  tables: { sessions: string; idempotency: string };
  deadlineShards: number;
  retentionDays: number;
  /** The configuration's profiles locally; on Lambda, the parameters the stack wrote (README, Configuration). */
  profiles: ProfileCatalog;
  /** Base URL tasks report activity to (SESSION_API_URL). */
  apiUrl: string;
  orphanGraceSeconds: number;
  stuckAfterSeconds: number;
  adminGroup: string;
  /** The `startedBy` marker of this deployment's tasks (TASK_MARKER; contract/ecs-tasks.ts). */
  taskMarker: string;
}

/** What differs by platform: AWS services on Lambda, dynalite, processes, timers and files locally. */
export interface PlatformAdapters {
  /** DynamoDB itself, or dynalite. */
  dynamodb: DynamoDBDocumentClient;
  tasks: TaskRunner;
  scheduler: ExpiryScheduler;
  events: EventPublisher;
  jwtVerifier: JwtVerifier;
  log: Log;
  metrics: Metrics;
  clock?: Clock;
}

export const buildHandlerDeps = (settings: DeploymentSettings, adapters: PlatformAdapters): HandlerDeps => ({
  store: new DynamoDbSessionStore({
    client: adapters.dynamodb,
    tableName: settings.tables.sessions,
    shardCount: settings.deadlineShards,
    retentionDays: settings.retentionDays,
  }),
  idempotencyKeys: new DynamoDbIdempotencyKeys({ client: adapters.dynamodb, tableName: settings.tables.idempotency }),
  ownerSlots: new DynamoDbOwnerSlots({ client: adapters.dynamodb, tableName: settings.tables.idempotency }),
  tasks: adapters.tasks,
  scheduler: adapters.scheduler,
  events: adapters.events,
  clock: adapters.clock ?? systemClock,
  log: adapters.log,
  metrics: adapters.metrics,
  profiles: settings.profiles,
  settings: {
    ...DEFAULT_SETTINGS,
    apiUrl: settings.apiUrl,
    orphanGraceSeconds: settings.orphanGraceSeconds,
    stuckAfterSeconds: settings.stuckAfterSeconds,
  },
  jwtVerifier: adapters.jwtVerifier,
  adminGroup: settings.adminGroup,
  taskMarker: settings.taskMarker,
});
