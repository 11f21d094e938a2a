// The local stack as the benchmarks use it: free ports, a scratch data dir, one cheap profile whose
// task is `sleep 600` (starts in milliseconds, exits at once on SIGTERM), a sweep interval long
// enough that the timers, not the sweep, do the expiring, and a quiet log. `stop()` also kills any
// task process still running, so a failed or aborted case leaves nothing behind.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDbSessionStore } from '../../lambdas/adapters/dynamodb/dynamodb-session-store';
import { parseConfig } from '../../contract/app-config';
import { type LocalStack, startLocalStack } from '../../local/local-stack';
import { type TaskStartRate } from '../../local/adapters/task-start-rate';
import { consoleLog } from '../../local/console-log';
import { parseTaskArn } from '../../local/adapters/process-task-runner';

export const BENCH_PROFILE = 'bench';
const DEADLINE_SHARDS = 4;
const RETENTION_DAYS = 30;

export interface BenchStack {
  stack: LocalStack;
  /** A store on the stack's dynalite, for reading records (task ARNs, stop times) the API does not show. */
  store: DynamoDbSessionStore;
  /** Warnings and errors the stack logged (the report says how many). */
  warnings: string[];
  /** Remembers a task ARN so `stop()` can make sure its process is gone. */
  track(taskArn: string | undefined): void;
  /** Stops the stack, then SIGKILLs every task process group still alive. Safe to call twice. */
  stop(): Promise<{ killed: number }>;
}

export interface BenchStackOptions {
  dataDir: string;
  idleTimeoutSeconds: { default: number; min: number; max: number };
  maxSessionsPerOwner: number;
  /** The task runner's ECS-like launch rate; the start queue paces itself to the same (default unlimited). */
  taskStartRate?: TaskStartRate;
  /** false: create starts the task inside the request (no start queue). */
  startQueue?: boolean;
}

const TASK_COMMAND = ['sleep', '600'];

/**
 * Whether `pid` is still one of our task processes: a live `sleep 600` that leads its own process
 * group (tasks are spawned detached). A pid reused by something else since is never signalled.
 */
export const isOurTask = (pid: number): boolean => {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((part) => part !== '');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    const processGroup = Number(fields[2]);
    return state !== 'Z' && processGroup === pid && cmdline.join(' ') === TASK_COMMAND.join(' ');
  } catch {
    return false;
  }
};

const killGroup = (pid: number): boolean => {
  if (!isOurTask(pid)) return false;
  try {
    process.kill(-pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
};

/** Pids the task runner's registry still lists (its files are removed when a task is seen to exit). */
const registryPids = (dataDir: string): number[] => {
  const dir = join(dataDir, 'tasks');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    try {
      const { pid } = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { pid?: unknown };
      return typeof pid === 'number' && pid > 1 ? [pid] : [];
    } catch {
      return [];
    }
  });
};

export const startBenchStack = async (options: BenchStackOptions): Promise<BenchStack> => {
  const config = parseConfig({
    profiles: {
      [BENCH_PROFILE]: {
        description: 'benchmark: a process that sleeps until stopped',
        idleTimeoutSeconds: options.idleTimeoutSeconds,
        maxLifetimeSeconds: { default: 3600, min: 60, max: 86_400 },
        stopTimeoutSeconds: 5,
        maxSessionsPerOwner: options.maxSessionsPerOwner,
        local: { command: TASK_COMMAND },
      },
    },
    deadlineShards: DEADLINE_SHARDS,
    ...(options.taskStartRate !== undefined && { taskStartRate: { perSecond: options.taskStartRate.ratePerSecond, burst: options.taskStartRate.burst } }),
  });
  const warnings: string[] = [];
  const stack = await startLocalStack({
    port: 0,
    dynamodbPort: 0,
    dataDir: options.dataDir,
    // The timers must do the expiring; the sweep (the safety net) would only blur the measurement.
    sweepIntervalSeconds: 3600,
    config,
    log: consoleLog('warn', (line) => warnings.push(line)),
    ...(options.taskStartRate !== undefined && { taskStartRate: options.taskStartRate }),
    ...(options.startQueue !== undefined && { startQueue: options.startQueue }),
    // The control plane is measured: tasks run `sleep` itself, not under the session agent (one
    // more Node process per task locally; a sidecar on ECS, bench/README.md).
    sessionAgent: false,
  });
  const client = new DynamoDBClient({
    endpoint: stack.dynamodbEndpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const doc = DynamoDBDocumentClient.from(client);
  const store = new DynamoDbSessionStore({ client: doc, tableName: stack.tables.sessions, shardCount: DEADLINE_SHARDS, retentionDays: RETENTION_DAYS });
  const pids = new Set<number>();
  let stopped: Promise<{ killed: number }> | undefined;
  return {
    stack,
    store,
    warnings,
    track: (taskArn) => {
      const pid = taskArn === undefined ? undefined : parseTaskArn(taskArn)?.pid;
      if (pid !== undefined) pids.add(pid);
    },
    stop: () =>
      (stopped ??= (async () => {
        const leftovers = new Set([...pids, ...registryPids(options.dataDir)]);
        doc.destroy();
        client.destroy();
        await stack.stop();
        let killed = 0;
        for (const pid of [...leftovers, ...registryPids(options.dataDir)]) if (killGroup(pid)) killed += 1;
        return { killed };
      })()),
  };
};
