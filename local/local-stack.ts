// The whole system on one machine (README "Architecture"): dynalite persisted in the data dir, the
// deployed handlers and use cases, processes instead of ECS tasks, timers instead of Scheduler, an
// NDJSON file instead of EventBridge, and the sweep on an interval. The dependencies are built by
// the same code as on Lambda (build-handler-deps.ts) from the configuration and local adapters;
// the timers, the task runner and the interval invoke the expire, task-event and sweep handlers
// with the events Lambda would get, retried as Lambda retries (async-invoker.ts). `npm start` runs
// it; the end-to-end tests boot it in-process.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JoseJwtVerifier } from '../lambdas/adapters/auth/jwt-verifier';
import { type TableNames, createTables } from './dynamodb/create-tables';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, type LocalKeys, loadLocalKeys, mintLocalToken } from './adapters/local-keys';
import { NdjsonEventPublisher } from './adapters/ndjson-event-publisher';
import { type EventPublisher } from '../lambdas/ports/event-publisher';
import { WebhookNotifier, allOf } from './adapters/webhook-notifier';
import { type LocalTaskProfile, ProcessTaskRunner, type TaskStateEvent } from './adapters/process-task-runner';
import { TimerExpiryScheduler } from './adapters/timer-expiry-scheduler';
import { InProcessStartQueue } from './adapters/in-process-start-queue';
import { type TaskStartRate } from './adapters/task-start-rate';
import { type AppConfig } from '../contract/app-config';
import { taskMarkerFor } from '../contract/ecs-tasks';
import { agentEnvironment } from '../contract/profile-schema';
import { agentBundleSource } from '../agent/bundle';
import { type DeploymentSettings, buildHandlerDeps } from '../lambdas/build-handler-deps';
import { profilesRunLocallyOf } from '../lambdas/profile-config';
import { DynamoDbWorkspaceStore } from '../lambdas/adapters/dynamodb/dynamodb-workspace-store';
import { nextWorkspaceFireAtMs } from '../lambdas/domain/workspace';
import { DirectoryWorkspaceVolumes } from './adapters/directory-workspace-volumes';
import { nextFireAtMs } from '../lambdas/domain/deadline-policy';
import { makeApiHandler } from '../lambdas/handlers/api';
import { type ExpiryFireEvent, makeExpireHandler } from '../lambdas/handlers/expire';
import { type HandlerDeps, type HandlerSetup } from '../lambdas/handlers/handler-setup';
import { type SweepEvent, type SweepHandlerResult, makeSweepHandler } from '../lambdas/handlers/sweep';
import { makeStarterHandler } from '../lambdas/handlers/starter';
import { makeTaskEventHandler } from '../lambdas/handlers/task-event';
import { type ScheduledFire, isWorkspaceFire } from '../lambdas/ports/expiry-scheduler';
import { type Log, noMetrics } from '../lambdas/ports/observability';
import { fixedProfiles } from '../lambdas/ports/profile-catalog';
import { type SweepReport } from '../contract/wire';
import { AsyncInvoker } from './async-invoker';
import { lambdaContext } from './api-gateway-event';
import { type ConsoleLog, consoleLog } from './console-log';
import { type ApiHandler, createApiServer } from './http-server';
import { toTaskStateChange } from './task-state-change';

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
  /**
   * The task runner's ECS-like launch rate (LOCAL_TASK_START_RATE/BURST): starts beyond it are
   * refused as RunTask throttles are. Default: unlimited.
   */
  taskStartRate?: TaskStartRate;
  /**
   * false: create runs the task inside the request, as before the start queue (the benchmark's
   * comparison column). Default true.
   */
  startQueue?: boolean;
  /**
   * false: tasks run their command as it is, without the session agent (the benchmarks of the
   * control plane: on ECS the agent is a sidecar that costs the control plane nothing, locally it
   * is one more Node process per task). Default true (README "The session agent").
   */
  sessionAgent?: boolean;
  /** Tests only: wraps the dependencies the handlers get, e.g. to make one call fail. */
  decorateDeps?: (deps: HandlerDeps) => HandlerDeps;
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
  /** Runs the sweep now (as the interval does, or joins the one running), returning its report. */
  sweepNow(): Promise<SweepReport>;
  /** Stops serving, timers and the sweep, and closes dynalite; task processes keep running. */
  stop(): Promise<void>;
}

export const LOCAL_TABLES: TableNames = {
  sessions: 'session-expiry-sessions',
  idempotency: 'session-expiry-idempotency',
  workspaces: 'session-expiry-workspaces',
};

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
      p.local === undefined
        ? []
        : [[name, { command: p.local.command, env: p.local.env, stopTimeoutSeconds: p.stopTimeoutSeconds, agentEnv: agentEnvironment(p) }]],
    ),
  );

/**
 * The session agent every local task runs under (README "The session agent"): bundled afresh on
 * each start into the data dir (esbuild, well under a second), so it always matches this checkout.
 */
const writeAgentBundle = async (dataDir: string): Promise<string[]> => {
  const path = join(dataDir, 'session-agent.cjs');
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, agentBundleSource(), { mode: 0o600 });
  await rename(temp, path);
  return [process.execPath, path];
};

/** The periodic sweep says nothing when it found nothing; a repair or failure is worth a line. */
const quietWhenIdle = (log: Log): Log => ({
  ...log,
  info: (message, extra) => {
    const counts = ['expired', 'stuck', 'orphans', 'lost', 'failures'].map((k) => extra?.[k]);
    if (message === 'sweep finished' && counts.every((c) => c === 0)) log.debug(message, extra);
    else log.info(message, extra);
  },
});

/** The bus record, plus the webhook when `notifications.webhookUrl` is set (README "Notifications"). */
const localEvents = (config: AppConfig, path: string, log: Log): EventPublisher => {
  const record = new NdjsonEventPublisher(path, log);
  const { webhookUrl } = config.notifications;
  return webhookUrl === undefined ? record : allOf(record, new WebhookNotifier(webhookUrl, log));
};

/**
 * The handlers' own info lines (outcomes, the access log) repeat what the server, the timers and
 * the task runner already print: they are debug lines here (LOG_LEVEL=debug shows them).
 */
const routineAtDebug = (log: Log): Log => ({ ...log, info: (message, extra) => log.debug(message, extra) });

/**
 * The local stack's `startedBy` marker: one per data dir, as each deployment on AWS has its own
 * (two local stacks with their own data dirs are two deployments).
 */
export const localTaskMarker = (dataDir: string): string => taskMarkerFor('local', resolve(dataDir));

/** The deployment's settings, from the configuration (on Lambda they come from the environment). */
const localSettings = (config: AppConfig, apiUrl: string, taskMarker: string): DeploymentSettings => ({
  tables: LOCAL_TABLES,
  deadlineShards: config.deadlineShards,
  retentionDays: config.retentionDays,
  profiles: fixedProfiles(profilesRunLocallyOf(config)),
  apiUrl,
  orphanGraceSeconds: config.orphanGraceSeconds,
  stuckAfterSeconds: config.stuckAfterSeconds,
  startTimeoutSeconds: config.startTimeoutSeconds,
  adminGroup: config.adminGroup,
  taskMarker,
});

/** What the Scheduler target passes the expire function (eventbridge-scheduler.ts writes it as the schedule's input). */
const expiryFireEvent = (fire: ScheduledFire): ExpiryFireEvent =>
  isWorkspaceFire(fire)
    ? { workspace: { ownerId: fire.workspace.ownerId, profile: fire.workspace.profile }, scheduleName: fire.scheduleName }
    : { sessionId: fire.sessionId, scheduleName: fire.scheduleName };

/** The sweep schedule's input (lib/constructs/expiry-scheduling.ts). */
const SWEEP_SCHEDULE_INPUT: SweepEvent = { dryRun: false };

export const startLocalStack = async (options: LocalStackOptions): Promise<LocalStack> => {
  const host = options.host ?? '127.0.0.1';
  const dataDir = resolve(options.dataDir);
  const taskMarker = localTaskMarker(dataDir);
  const log = options.log ?? consoleLog();

  // What is running so far; shutdown takes it down in dependency order, whatever got started.
  let dynamo: Server | undefined;
  let client: DynamoDBClient | undefined;
  let doc: DynamoDBDocumentClient | undefined;
  let server: Server | undefined;
  let scheduler: TimerExpiryScheduler | undefined;
  let tasks: ProcessTaskRunner | undefined;
  let startQueue: InProcessStartQueue | undefined;
  let api: ApiHandler | undefined;
  const invoker = new AsyncInvoker(log);
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<SweepHandlerResult> | undefined;
  let ready = false;

  const shutdown = async (): Promise<void> => {
    ready = false;
    const steps: [string, () => Promise<void> | void][] = [
      // Pending retries give up now, so nothing below waits out a retry delay.
      ['async invocation retries', () => invoker.close()],
      ['sweep', async () => {
        clearInterval(sweepTimer);
        await sweeping?.catch(() => undefined);
      }],
      // In-flight requests finish before what they use goes away.
      ['api server', () => (server ? close(server) : undefined)],
      ['start queue', () => startQueue?.close()],
      ['scheduler', () => scheduler?.close()],
      ['task runner', () => tasks?.close()],
      // Handlers still running (a fire, a task event, the starter) finish before the table goes.
      ['async invocations', () => invoker.settled(10_000)],
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
      handler: () => {
        if (api === undefined) throw new Error('the api handler is not made yet');
        return api;
      },
      verifier,
      logLine: (line) => log.line(line),
      ready: () => ready,
    });
    const port = await listen(server, options.port, host);
    const apiUrl = `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : urlHost(host)}:${port}`;

    // The adapters' callbacks invoke the handlers (below); they are first called once those exist.
    scheduler = new TimerExpiryScheduler((fire: ScheduledFire) => invoker.invoke('expire', expire, expiryFireEvent(fire)), log);
    for (const [name, profile] of Object.entries(options.config.profiles)) {
      if (profile.local === undefined) log.warn(`profile ${name} has no local.command: its sessions cannot start locally`);
    }
    const agentCommand = options.sessionAgent === false ? undefined : await writeAgentBundle(dataDir);
    tasks = new ProcessTaskRunner({
      dataDir,
      ...(agentCommand !== undefined && { agentCommand }),
      repoRoot: options.repoRoot ?? REPO_ROOT,
      profiles: localProfilesOf(options.config),
      // The local ECS Task State Change rule: the event EventBridge would deliver, to the same handler.
      onTaskEvent: (report: TaskStateEvent) => invoker.invoke('task-event', taskEvent, toTaskStateChange(report, taskMarker)),
      log,
      ...(options.taskStartRate !== undefined && { startRate: options.taskStartRate }),
    });
    // SQS and the starter's event source mapping: each start is handed to the starter handler.
    const queue =
      options.startQueue === false
        ? undefined
        : new InProcessStartQueue({
            deliver: (event) => starter(event, lambdaContext('session-expiry-starter-local', randomUUID())),
            log,
            rate: { ratePerSecond: options.config.taskStartRate.perSecond, burst: options.config.taskStartRate.burst },
          });
    startQueue = queue;

    const built = buildHandlerDeps(localSettings(options.config, apiUrl, taskMarker), {
      dynamodb: doc,
      tasks,
      scheduler,
      events: localEvents(options.config, join(dataDir, 'events.ndjson'), log),
      jwtVerifier: verifier,
      log,
      metrics: noMetrics,
    });
    const withQueue: HandlerDeps = {
      ...built,
      ...(queue !== undefined && { startQueue: queue }),
      // Locally a workspace is a directory in the data dir (README "Workspaces"); on AWS an EBS volume and snapshot.
      workspaces: {
        store: new DynamoDbWorkspaceStore({ client: doc, tableName: LOCAL_TABLES.workspaces }),
        volumes: new DirectoryWorkspaceVolumes(dataDir),
      },
    };
    const deps = options.decorateDeps?.(withQueue) ?? withQueue;
    const setupWith = (handlerDeps: HandlerDeps): HandlerSetup => ({ deps: () => handlerDeps, log: routineAtDebug(log) });
    api = makeApiHandler(setupWith(deps));
    const expire = makeExpireHandler(setupWith(deps));
    const taskEvent = makeTaskEventHandler(setupWith(deps));
    const starter = makeStarterHandler(setupWith(deps));
    const sweepHandler = makeSweepHandler(setupWith({ ...deps, log: quietWhenIdle(log) }));

    // Tasks that outlived the last run are watched again; those that died meanwhile end their sessions.
    const adoption = tasks.adopt();
    // Timers died with the last run: arm every live session again (overdue ones fire at once).
    const live = await deps.store.listLive();
    for (const session of live) {
      if (session.scheduleName === undefined) continue;
      await scheduler.arm({ sessionId: session.id, scheduleName: session.scheduleName, fireAt: nextFireAtMs(session) });
    }
    // And every workspace schedule: a deadline that passed while the stack was down fires at once.
    const scheduledWorkspaces = (await deps.workspaces?.store.listScheduled()) ?? [];
    for (const workspace of scheduledWorkspaces) {
      if (workspace.scheduleName === undefined) continue;
      const { ownerId, profile } = workspace;
      await scheduler.arm({ workspace: { ownerId, profile }, scheduleName: workspace.scheduleName, fireAt: nextWorkspaceFireAtMs(workspace) ?? Date.now() });
    }
    if (live.length > 0 || adoption.adopted + adoption.exited > 0 || scheduledWorkspaces.length > 0) {
      log.info('local stack: resumed', {
        liveSessions: live.length,
        tasksAdopted: adoption.adopted,
        tasksExited: adoption.exited,
        workspaceSchedules: scheduledWorkspaces.length,
      });
    }

    // The safety net; first right away, so whatever happened while the stack was down is handled now.
    const sweepNow = async (): Promise<SweepReport> => {
      sweeping ??= invoker.invoke('sweep', sweepHandler, SWEEP_SCHEDULE_INPUT).finally(() => {
        sweeping = undefined;
      });
      const result = await sweeping;
      if ('dropped' in result) throw new Error('the sweep handler dropped the sweep schedule input');
      return result;
    };
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
