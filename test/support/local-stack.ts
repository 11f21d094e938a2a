// Boots the local stack in-process for end-to-end tests: a temp data dir, free ports (port 0), a
// test configuration whose `sleeper` profile runs a tiny program, and a cleanup that always stops
// the stack, kills every task process the stack left and removes the data dir.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppConfig, parseConfig } from '../../contract/app-config';
import { type LogLevel, consoleLog } from '../../local/console-log';
import { type HandlerDeps } from '../../lambdas/handlers/handler-setup';
import { type LocalStack } from '../../local/local-stack';
import { type TaskStartRate } from '../../local/adapters/task-start-rate';
import { waitFor } from './wait-for';

/** The test session program: stays up until SIGTERM (see its header for knobs). */
export const SLEEPER_COMMAND = ['node', 'test/e2e/fixtures/sleeper.mjs'];
export const SLEEPER_PROFILE = 'sleeper';

/**
 * A configuration for tests: the `sleeper` profile (timeouts from 1 s, stop timeout 2 s), orphans
 * stopped without grace. `profile` and `overrides` are merged over it before validation.
 */
export const testConfig = (profile: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}): AppConfig =>
  parseConfig({
    profiles: {
      [SLEEPER_PROFILE]: {
        idleTimeoutSeconds: { default: 60, min: 1, max: 3600 },
        maxLifetimeSeconds: { default: 3600, min: 1, max: 86_400 },
        stopTimeoutSeconds: 2,
        maxSessionsPerOwner: 5,
        local: { command: SLEEPER_COMMAND },
        ...profile,
      },
    },
    orphanGraceSeconds: 0,
    stuckAfterSeconds: 10,
    ...overrides,
  });

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export interface ApiRequest {
  /** A Bearer token; `null` sends none. Default: a token for user `alice`. */
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface TestStack {
  readonly stack: LocalStack;
  readonly apiUrl: string;
  readonly dataDir: string;
  readonly config: AppConfig;
  /** Every line the stack logged (printed as it happens with LOCAL_STACK_LOG=1). */
  readonly logs: string[];
  /** A token the stack accepts. */
  token(user?: string, options?: { admin?: boolean }): Promise<string>;
  /** One JSON request to the API. */
  api<T = Record<string, unknown>>(method: string, path: string, request?: ApiRequest): Promise<ApiAnswer<T>>;
  /** The pid of a session's task process, from the task registry (waits up to 3 s for it). */
  taskPid(sessionId: string): Promise<number>;
  /** Stops the stack, keeping data dir and task processes (as Ctrl-C on `npm start` does). */
  stop(): Promise<void>;
  /** Stops the stack if running and starts it again on the same data dir (new ports). */
  restart(): Promise<void>;
  /** Stops the stack, kills every task process still registered, removes the data dir. Safe twice. */
  cleanup(): Promise<void>;
}

export interface BootOptions {
  config?: AppConfig;
  /** Default 1 s: the safety net runs often in tests. */
  sweepIntervalSeconds?: number;
  /** Stack log level (default info). */
  logLevel?: LogLevel;
  /** Wraps the dependencies the stack's handlers get (fault injection). */
  decorateDeps?: (deps: HandlerDeps) => HandlerDeps;
  /** The task runner's ECS-like launch rate (default unlimited). */
  taskStartRate?: TaskStartRate;
  /** false: starts run inside the create request (no start queue). */
  startQueue?: boolean;
}

/** Every pid in the task registry of a data dir (tasks the stack believes are running). */
export const registeredTaskPids = (dataDir: string): number[] => {
  const dir = join(dataDir, 'tasks');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .flatMap((name) => {
      try {
        const { pid } = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { pid?: unknown };
        return typeof pid === 'number' ? [pid] : [];
      } catch {
        return [];
      }
    });
};

/** SIGKILLs the process group a task leads (tasks run in their own group), if it is still there. */
export const killGroup = (pid: number): void => {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
};

export const bootLocalStack = async (options: BootOptions = {}): Promise<TestStack> => {
  // Read once by the handlers' Powertools logger at import: keep test output to the stack's own lines.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { startLocalStack } = await import('../../local/local-stack');

  const config = options.config ?? testConfig();
  const dataDir = mkdtempSync(join(tmpdir(), 'session-expiry-e2e-'));
  const logs: string[] = [];
  const log = consoleLog(options.logLevel ?? 'info', (line) => {
    logs.push(line);
    if (process.env.LOCAL_STACK_LOG === '1') process.stdout.write(`${line}\n`);
  });
  // Every task pid ever seen, so cleanup also finds tasks whose registry entry is gone.
  const seenPids = new Set<number>();

  const start = () =>
    startLocalStack({
      port: 0,
      dynamodbPort: 0,
      dataDir,
      sweepIntervalSeconds: options.sweepIntervalSeconds ?? 1,
      config,
      log,
      ...(options.decorateDeps !== undefined && { decorateDeps: options.decorateDeps }),
      ...(options.taskStartRate !== undefined && { taskStartRate: options.taskStartRate }),
      ...(options.startQueue !== undefined && { startQueue: options.startQueue }),
    });

  let stack: LocalStack | undefined;
  const cleanupNow = async (): Promise<void> => {
    try {
      await stack?.stop();
    } finally {
      for (const pid of registeredTaskPids(dataDir)) seenPids.add(pid);
      for (const pid of seenPids) killGroup(pid);
      rmSync(dataDir, { recursive: true, force: true });
    }
  };
  try {
    stack = await start();
  } catch (error) {
    await cleanupNow();
    throw error;
  }

  const current = (): LocalStack => {
    if (stack === undefined) throw new Error('the local stack is not running');
    return stack;
  };
  let cleaned: Promise<void> | undefined;

  const handle: TestStack = {
    get stack() {
      return current();
    },
    get apiUrl() {
      return current().apiUrl;
    },
    dataDir,
    config,
    logs,
    token: (user = 'alice', opts = {}) => current().mintToken(user, opts),
    api: async <T>(method: string, path: string, request: ApiRequest = {}): Promise<ApiAnswer<T>> => {
      const token = request.token === undefined ? await current().mintToken('alice') : request.token;
      const response = await fetch(`${current().apiUrl}${path}`, {
        method,
        headers: {
          ...(token !== null && { authorization: `Bearer ${token}` }),
          ...(request.body !== undefined && { 'content-type': 'application/json' }),
          ...request.headers,
        },
        ...(request.body !== undefined && { body: JSON.stringify(request.body) }),
        // Generous: a burst of creates on a loaded two-core machine can take seconds each; a hung
        // request still fails the test, only later.
        signal: AbortSignal.timeout(20_000),
      });
      const text = await response.text();
      return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T, headers: response.headers };
    },
    taskPid: async (sessionId) => {
      const path = join(dataDir, 'tasks', `${sessionId}.json`);
      const pid = await waitFor(
        () => {
          const { pid: found } = JSON.parse(readFileSync(path, 'utf8')) as { pid: number };
          return found;
        },
        { timeoutMs: 3000, what: `the task of session ${sessionId}` },
      );
      seenPids.add(pid);
      return pid;
    },
    stop: async () => {
      for (const pid of registeredTaskPids(dataDir)) seenPids.add(pid);
      await stack?.stop();
      stack = undefined;
    },
    restart: async () => {
      await handle.stop();
      stack = await start();
    },
    cleanup: () => (cleaned ??= cleanupNow()),
  };
  return handle;
};
