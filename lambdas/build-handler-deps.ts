// Settings and platform adapters -> the handlers' dependencies: the part of the composition that
// Lambda and the local stack share, so both build the store, the use-case settings and the rest
// the same way. One small builder per port, composed per handler: each Lambda root (lambdas/roots/)
// reads the settings from its environment and builds only what its handler runs, over AWS adapters
// (README "Performance"); the local stack reads them from the configuration and builds everything
// (`buildHandlerDeps`) over local adapters.
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
import { type ManagedTasks, type TaskRunner } from './ports/task-runner';
import { type EndSessionDeps, type RecordEndedDeps } from './use-cases/end-session';
import { type SweepDeps } from './use-cases/sweep';
import { DEFAULT_SETTINGS, type UseCaseSettings, type WorkspaceDeps } from './use-cases/use-case-deps';

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
  /** A queued start not done by then ends `start_failed` (default DEFAULT_SETTINGS'). */
  startTimeoutSeconds?: number;
  adminGroup: string;
  /** The `startedBy` marker of this deployment's tasks (TASK_MARKER; contract/ecs-tasks.ts). */
  taskMarker: string;
}

/** The settings of everything but the api's session creation: all but the profiles. */
export type EnvSettings = Omit<DeploymentSettings, 'profiles'>;

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
  /** The workspaces' records and files, where the deployment has any (README "Workspaces"). */
  workspaces?: WorkspaceDeps;
}

/** The adapters that recording an end needs: everything but tasks and tokens. */
export type RecordEndedAdapters = Omit<PlatformAdapters, 'tasks' | 'jwtVerifier'>;
/** The adapters that ending a session needs: it may stop the task too (and never starts one). */
export type EndSessionAdapters = Omit<PlatformAdapters, 'jwtVerifier' | 'tasks'> & { tasks: ManagedTasks };

type StoreSettings = Pick<DeploymentSettings, 'tables' | 'deadlineShards' | 'retentionDays'>;

export const sessionStoreOf = (settings: StoreSettings, dynamodb: DynamoDBDocumentClient): DynamoDbSessionStore =>
  new DynamoDbSessionStore({
    client: dynamodb,
    tableName: settings.tables.sessions,
    shardCount: settings.deadlineShards,
    retentionDays: settings.retentionDays,
  });

export const ownerSlotsOf = (settings: StoreSettings, dynamodb: DynamoDBDocumentClient): DynamoDbOwnerSlots =>
  new DynamoDbOwnerSlots({ client: dynamodb, tableName: settings.tables.idempotency });

export const idempotencyKeysOf = (settings: StoreSettings, dynamodb: DynamoDBDocumentClient): DynamoDbIdempotencyKeys =>
  new DynamoDbIdempotencyKeys({ client: dynamodb, tableName: settings.tables.idempotency });

export const useCaseSettingsOf = (settings: EnvSettings): UseCaseSettings => ({
  ...DEFAULT_SETTINGS,
  apiUrl: settings.apiUrl,
  orphanGraceSeconds: settings.orphanGraceSeconds,
  stuckAfterSeconds: settings.stuckAfterSeconds,
  ...(settings.startTimeoutSeconds !== undefined && { startTimeoutSeconds: settings.startTimeoutSeconds }),
});

/** What records a session's end (the task-event function). */
export const recordEndedDeps = (settings: EnvSettings, adapters: RecordEndedAdapters): RecordEndedDeps => ({
  store: sessionStoreOf(settings, adapters.dynamodb),
  ownerSlots: ownerSlotsOf(settings, adapters.dynamodb),
  scheduler: adapters.scheduler,
  events: adapters.events,
  clock: adapters.clock ?? systemClock,
  log: adapters.log,
  metrics: adapters.metrics,
  ...(adapters.workspaces !== undefined && { workspaces: adapters.workspaces }),
});

/** What ends a session, stopping its task (the expire function). */
export const endSessionDeps = (settings: EnvSettings, adapters: EndSessionAdapters): EndSessionDeps => ({
  ...recordEndedDeps(settings, adapters),
  tasks: adapters.tasks,
});

/** What the sweep needs: ending sessions, and its settings (the sweep function). */
export const sweepDeps = (settings: EnvSettings, adapters: EndSessionAdapters): SweepDeps => ({
  ...endSessionDeps(settings, adapters),
  settings: useCaseSettingsOf(settings),
});

/** Everything: the API function, and the local stack, which runs every handler in one process. */
export const buildHandlerDeps = (settings: DeploymentSettings, adapters: PlatformAdapters): HandlerDeps => ({
  ...sweepDeps(settings, adapters),
  // The whole runner, not the stop-and-list part the sweep names: the local stack's create starts tasks.
  tasks: adapters.tasks,
  idempotencyKeys: idempotencyKeysOf(settings, adapters.dynamodb),
  profiles: settings.profiles,
  jwtVerifier: adapters.jwtVerifier,
  adminGroup: settings.adminGroup,
  taskMarker: settings.taskMarker,
});
