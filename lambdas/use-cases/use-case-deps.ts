// The ports, profiles and settings the use cases are given. Built once per process by a composition
// root (lambdas/roots/ with AWS adapters on Lambda, local adapters in the local stack, fakes in
// tests). Each use case names the part it needs (a `Pick` of these), so a test or a new caller sees
// what it must provide, and a Lambda root builds no more than its handler's use cases name.
import { type Clock } from '../ports/clock';
import { type EventPublisher } from '../ports/event-publisher';
import { type ExpiryScheduler } from '../ports/expiry-scheduler';
import { type IdempotencyKeys } from '../ports/idempotency-keys';
import { type Log, type Metrics } from '../ports/observability';
import { type OwnerSlots } from '../ports/owner-slots';
import { type ProfileCatalog } from '../ports/profile-catalog';
import { type SessionStore } from '../ports/session-store';
import { type StartQueue } from '../ports/start-queue';
import { type TaskRunner } from '../ports/task-runner';
import { type WorkspaceStore } from '../ports/workspace-store';
import { type WorkspaceVolumes } from '../ports/workspace-volumes';

/** The workspaces' records and files (README "Workspaces"). */
export interface WorkspaceDeps {
  store: WorkspaceStore;
  volumes: WorkspaceVolumes;
}

export interface UseCaseSettings {
  /** Base URL the task uses to report activity (SESSION_API_URL). */
  apiUrl: string;
  /** Tasks younger than this are never treated as orphans. */
  orphanGraceSeconds: number;
  /** Sessions in `starting`/`stopping` longer than this are repaired by the sweep. */
  stuckAfterSeconds: number;
  /** How many sessions the sweep repairs at once. */
  sweepConcurrency: number;
  /** How long an Idempotency-Key is remembered. */
  idempotencyTtlSeconds: number;
  /** A queued start not done by then (from queuedAt) ends the session `start_failed` (README "Starting at the rate ECS allows"). */
  startTimeoutSeconds: number;
}

export interface UseCaseDeps {
  store: SessionStore;
  idempotencyKeys: IdempotencyKeys;
  ownerSlots: OwnerSlots;
  tasks: TaskRunner;
  scheduler: ExpiryScheduler;
  events: EventPublisher;
  clock: Clock;
  log: Log;
  metrics: Metrics;
  profiles: ProfileCatalog;
  settings: UseCaseSettings;
  /**
   * Where create queues the start. Absent: create runs the task inside the request (the behaviour
   * before the queue; a throttled start is a 503 and a `failed` session).
   */
  startQueue?: StartQueue;
  /**
   * Absent in a deployment where no profile has a workspace (README "Workspaces"): a
   * profile with a workspace cannot be used there, and `GET /workspaces` lists none.
   */
  workspaces?: WorkspaceDeps;
}

export const DEFAULT_SETTINGS: Omit<UseCaseSettings, 'apiUrl'> = {
  orphanGraceSeconds: 120,
  stuckAfterSeconds: 600,
  sweepConcurrency: 8,
  idempotencyTtlSeconds: 24 * 3600,
  startTimeoutSeconds: 300,
};
