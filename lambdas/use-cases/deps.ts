// What every use case is given: the ports, the profiles and a few settings. Built once per process
// by the wiring module (AWS adapters on Lambda, local adapters in the local stack, fakes in tests).
import { type Profile } from '../domain/profile';
import { type Clock } from '../ports/clock';
import { type EventPublisher } from '../ports/event-publisher';
import { type ExpiryScheduler } from '../ports/expiry-scheduler';
import { type Log, type Metrics } from '../ports/observability';
import { type SessionStore } from '../ports/session-store';
import { type TaskRunner } from '../ports/task-runner';

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
}

export interface UseCaseDeps {
  store: SessionStore;
  tasks: TaskRunner;
  scheduler: ExpiryScheduler;
  events: EventPublisher;
  clock: Clock;
  log: Log;
  metrics: Metrics;
  profiles: Readonly<Record<string, Profile>>;
  settings: UseCaseSettings;
}

/** Who is calling the API. */
export interface Caller {
  ownerId: string;
  isAdmin: boolean;
}

export const DEFAULT_SETTINGS: Omit<UseCaseSettings, 'apiUrl'> = {
  orphanGraceSeconds: 120,
  stuckAfterSeconds: 600,
  sweepConcurrency: 8,
  idempotencyTtlSeconds: 24 * 3600,
};
