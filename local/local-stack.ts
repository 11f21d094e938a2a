// The whole system on one machine (DESIGN.md section 7): dynalite persisted in the data dir, the
// same api handler and use cases, processes instead of ECS tasks, timers instead of Scheduler, an
// NDJSON file instead of EventBridge, and the sweep on an interval. `npm start` runs it; the
// end-to-end tests boot it in-process.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { mkdir } from 'node:fs/promises';
import { type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JoseJwtVerifier } from '../lambdas/adapters/auth/jwt-verifier';
import { type TableNames, createTables } from './dynamodb/create-tables';
import { DynamoDbIdempotencyKeys } from '../lambdas/adapters/dynamodb/dynamodb-idempotency-keys';
import { DynamoDbOwnerSlots } from '../lambdas/adapters/dynamodb/dynamodb-owner-slots';
import { DynamoDbSessionStore } from '../lambdas/adapters/dynamodb/dynamodb-session-store';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, type LocalKeys, loadLocalKeys, mintLocalToken } from './adapters/local-keys';
import { NdjsonEventPublisher } from './adapters/ndjson-event-publisher';
import { type LocalTaskProfile, ProcessTaskRunner, type TaskStateEvent } from './adapters/process-task-runner';
import { TimerExpiryScheduler } from './adapters/timer-expiry-scheduler';
import { type AppConfig } from '../contract/app-config';
import { type SweepReport } from '../contract/wire';
import { profilesOf } from '../lambdas/profile-config';
import { nextFireAtMs } from '../lambdas/domain/deadline-policy';
import { handler as apiHandler } from '../lambdas/handlers/api';
import { systemClock } from '../lambdas/ports/clock';
import { type ExpiryFire } from '../lambdas/ports/expiry-scheduler';
import { type Log, noMetrics } from '../lambdas/ports/observability';
import { DEFAULT_SETTINGS } from '../lambdas/use-cases/use-case-deps';
import { expireSession } from '../lambdas/use-cases/expire-session';
import { handleTaskEvent } from '../lambdas/use-cases/handle-task-event';
import { sweep } from '../lambdas/use-cases/sweep';
import { type HandlerDeps, resetDeps, setDeps } from '../lambdas/wiring';
import { type ConsoleLog, consoleLog } from './console-log';
import { createApiServer } from './http-server';

export interface LocalStackOptions {
  /** API port; 0 picks a free one. */
  port: number;
  /** dynalite port; 0 picks a free one. */
  dynamodbPort: number;
  /** Where dynalite, the key pair, task registry and logs, and events.ndjson live. */
  dataDir: string;
  sweepIntervalSeconds: number;
  config: AppConfig;
  /** Interface to listen on (default 127.0.0.1: the API is for this machine only). */
  host?: string;
  /** Tasks run in this directory, and a relative program path resolves against it (default: this repository). */
  repoRoot?: string;
  log?: ConsoleLog;
}

export interface LocalStack {
  /** e.g. http://127.0.0.1:3000 (what tasks get as SESSION_API_URL). */
  apiUrl: string;
  dynamodbEndpoint: string;
  tables: TableNames;
  dataDir: string;
  keys: LocalKeys;
  /** A token this stack accepts. */
  mintToken(user: string, options?: { admin?: boolean }): Promise<string>;
  /** Runs the sweep now (as the interval does), returning its report. */
  sweepNow(): Promise<SweepReport>;
  /** Stops serving, timers and the sweep, and closes dynalite; task processes keep running. */
  stop(): Promise<void>;
}

export const LOCAL_TABLES: TableNames = { sessions: 'session-expiry-sessions', idempotency: 'session-expiry-idempotency' };

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

const listen = (server: Server, port: number, host: string): Promise<number> =>
  new Promise((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(port, host, () => {
      server.off('error', rejectListen);
      resolveListen((server.address() as AddressInfo).port);
    });
  });

const close = (server: Server): Promise<void> =>
  new Promise((resolveClose, rejectClose) => {
    server.close((error) => (error ? rejectClose(error) : resolveClose()));
    server.closeIdleConnections();
    // Requests still running after a moment are cut; the client sees a reset, as on a crash.
    setTimeout(() => server.closeAllConnections(), 1000).unref();
  });

const urlHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/** Local task settings of every profile that has a `local.command`. */
const localProfilesOf = (config: AppConfig): Record<string, LocalTaskProfile> =>
  Object.fromEntries(
    Object.entries(config.profiles).flatMap(([name, p]) =>
      p.local === undefined ? [] : [[name, { command: p.local.command, env: p.local.env, stopTimeoutSeconds: p.stopTimeoutSeconds }]],
    ),
  );

/** The periodic sweep says nothing when it found nothing; a repair or failure is worth a line. */
const quietWhenIdle = (log: Log): Log => ({
  ...log,
  info: (message, extra) => {
    const counts = ['expired', 'stuck', 'orphans', 'lost', 'failures'].map((k) => extra?.[k]);
    if (message === 'sweep finished' && counts.every((c) => c === 0)) log.debug(message, extra);
    else log.info(message, extra);
  },
});

/** The handlers take their dependencies from one module-level slot: one stack per process. */
let stackRunning = false;

export const startLocalStack = async (options: LocalStackOptions): Promise<LocalStack> => {
  if (stackRunning) throw new Error('a local stack is already running in this process; stop it first');
  stackRunning = true;
  const host = options.host ?? '127.0.0.1';
  const dataDir = resolve(options.dataDir);
  const log = options.log ?? consoleLog();

  // What is running so far; shutdown takes it down in dependency order, whatever got started.
  let dynamo: Server | undefined;
  let client: DynamoDBClient | undefined;
  let doc: DynamoDBDocumentClient | undefined;
  let server: Server | undefined;
  let scheduler: TimerExpiryScheduler | undefined;
  let tasks: ProcessTaskRunner | undefined;
  let depsInjected = false;
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<SweepReport> | undefined;
  let ready = false;

  const shutdown = async (): Promise<void> => {
    ready = false;
    const steps: [string, () => Promise<void> | void][] = [
      ['sweep', async () => {
        clearInterval(sweepTimer);
        await sweeping?.catch(() => undefined);
      }],
      // In-flight requests finish before what they use goes away.
      ['api server', () => (server ? close(server) : undefined)],
      ['scheduler', () => scheduler?.close()],
      ['task runner', () => tasks?.close()],
      ['dependencies', () => (depsInjected ? resetDeps() : undefined)],
      ['dynamodb client', () => {
        doc?.destroy();
        client?.destroy();
      }],
      ['dynalite', () => (dynamo ? close(dynamo) : undefined)],
    ];
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (error) {
        log.warn(`local stack: stopping the ${name} failed`, { error: String(error) });
      }
    }
    stackRunning = false;
  };

  try {
    await mkdir(join(dataDir, 'dynamodb'), { recursive: true, mode: 0o700 });

    // DynamoDB: dynalite on LevelDB in the data dir, so sessions survive a restart.
    dynamo = dynalite({ path: join(dataDir, 'dynamodb'), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    const dynamodbPort = await listen(dynamo, options.dynamodbPort, host);
    const dynamodbEndpoint = `http://${urlHost(host)}:${dynamodbPort}`;
    client = new DynamoDBClient({
      endpoint: dynamodbEndpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    doc = DynamoDBDocumentClient.from(client);
    await createTables(client, LOCAL_TABLES, { pollMs: 20 });

    const keys = await loadLocalKeys(dataDir);
    const verifier = new JoseJwtVerifier({ issuer: LOCAL_ISSUER, audience: [LOCAL_AUDIENCE], key: keys.publicKey });

    // Listen before the dependencies exist: tasks need the API URL; requests get 503 until ready.
    server = createApiServer({
      handler: () => apiHandler,
      verifier,
      logLine: (line) => log.line(line),
      ready: () => ready,
    });
    const port = await listen(server, options.port, host);
    const apiUrl = `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : urlHost(host)}:${port}`;

    // The adapters' callbacks run the use cases with `deps` (below); they are first called after it is set.
    scheduler = new TimerExpiryScheduler(async (fire: ExpiryFire) => {
      const { outcome } = await expireSession(deps, fire);
      log.debug('expiry fired', { sessionId: fire.sessionId, scheduleName: fire.scheduleName, outcome });
    }, log);
    for (const [name, profile] of Object.entries(options.config.profiles)) {
      if (profile.local === undefined) log.warn(`profile ${name} has no local.command: its sessions cannot start locally`);
    }
    tasks = new ProcessTaskRunner({
      dataDir,
      repoRoot: options.repoRoot ?? REPO_ROOT,
      profiles: localProfilesOf(options.config),
      // The local ECS Task State Change rule: the same use case the EventBridge rule feeds on AWS.
      onTaskEvent: async (event: TaskStateEvent) => {
        const { outcome } = await handleTaskEvent(deps, event);
        log.debug('task event handled', { taskArn: event.taskArn, lastStatus: event.lastStatus, outcome });
      },
      log,
    });

    const store = new DynamoDbSessionStore({
      client: doc,
      tableName: LOCAL_TABLES.sessions,
      shardCount: options.config.deadlineShards,
      retentionDays: options.config.retentionDays,
    });
    const deps: HandlerDeps = {
      store,
      idempotencyKeys: new DynamoDbIdempotencyKeys({ client: doc, tableName: LOCAL_TABLES.idempotency }),
      ownerSlots: new DynamoDbOwnerSlots({ client: doc, tableName: LOCAL_TABLES.idempotency }),
      tasks,
      scheduler,
      events: new NdjsonEventPublisher(join(dataDir, 'events.ndjson'), log),
      clock: systemClock,
      log,
      metrics: noMetrics,
      profiles: profilesOf(options.config),
      settings: {
        ...DEFAULT_SETTINGS,
        apiUrl,
        orphanGraceSeconds: options.config.orphanGraceSeconds,
        stuckAfterSeconds: options.config.stuckAfterSeconds,
      },
      jwtVerifier: verifier,
      adminGroup: options.config.adminGroup,
    };
    setDeps(deps);
    depsInjected = true;

    // Tasks that outlived the last run are watched again; those that died meanwhile end their sessions.
    const adoption = tasks.adopt();
    // Timers died with the last run: arm every live session again (overdue ones fire at once).
    const live = await store.listLive();
    for (const session of live) {
      if (session.scheduleName === undefined) continue;
      await scheduler.arm({ sessionId: session.id, scheduleName: session.scheduleName, fireAt: nextFireAtMs(session) });
    }
    if (live.length > 0 || adoption.adopted + adoption.exited > 0) {
      log.info('local stack: resumed', { liveSessions: live.length, tasksAdopted: adoption.adopted, tasksExited: adoption.exited });
    }

    // The safety net; first right away, so whatever happened while the stack was down is handled now.
    const sweepDeps: HandlerDeps = { ...deps, log: quietWhenIdle(log) };
    const sweepNow = (): Promise<SweepReport> =>
      (sweeping ??= sweep(sweepDeps, { dryRun: false }).finally(() => {
        sweeping = undefined;
      }));
    const sweepQuietly = (): void => {
      sweepNow().catch((error: unknown) => log.error('sweep failed', { error: String(error) }));
    };
    sweepTimer = setInterval(sweepQuietly, options.sweepIntervalSeconds * 1000);
    ready = true;
    sweepQuietly();

    let stopped: Promise<void> | undefined;
    return {
      apiUrl,
      dynamodbEndpoint,
      tables: LOCAL_TABLES,
      dataDir,
      keys,
      mintToken: (user, opts = {}) => mintLocalToken(keys, { user, admin: opts.admin === true, adminGroup: options.config.adminGroup }),
      sweepNow,
      stop: () => (stopped ??= shutdown()),
    };
  } catch (error) {
    await shutdown();
    throw error;
  }
};
