// `npm start`: the local stack (README "Quick start") with the configuration from cdk.json.
// Environment: PORT (3000), DYNAMODB_PORT (8000), LOCAL_DATA_DIR (.local), SWEEP_INTERVAL_SECONDS (10),
// LOG_LEVEL (info), LOCAL_TASK_START_RATE / LOCAL_TASK_START_BURST (an ECS-like task launch rate the
// local task runner enforces, tasks per second and bucket size; default unlimited). Ctrl-C stops the stack and leaves session processes running for the next start.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AppConfig, ConfigError, parseConfig } from '../contract/app-config';
import { consoleLog, isLogLevel } from '../local/console-log';
import { type LocalStack } from '../local/local-stack';
import { type TaskStartRate, taskStartRateFromEnv } from '../local/adapters/task-start-rate';

// Before the handlers load (the Powertools logger reads it once): locally the handlers write through
// the stack's console log (local-stack.ts), so the Powertools logger is left with Powertools' own
// JSON notices, meant for CloudWatch: warnings and errors only. And the SDK's notice about future
// Node versions is not for someone running the demo.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

/** A problem the user fixes by changing the environment or config: printed alone, no stack trace. */
class StartupError extends Error {}

const intFromEnv = (name: string, fallback: number, min: number, max: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new StartupError(`${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  }
  return value;
};

const readConfig = (): AppConfig => {
  const path = resolve(REPO_ROOT, 'cdk.json');
  let cdk: { context?: { sessionExpiry?: unknown } };
  try {
    cdk = JSON.parse(readFileSync(path, 'utf8')) as typeof cdk;
  } catch (error) {
    throw new StartupError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseConfig(cdk.context?.sessionExpiry);
};

const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

const banner = async (stack: LocalStack, config: AppConfig, dataDir: string): Promise<string> => {
  const token = await stack.mintToken('dev');
  const api = stack.apiUrl;
  const profile = Object.keys(config.profiles)[0] ?? 'demo';
  const auth = '-H "authorization: Bearer $TOKEN"';
  const jsonType = "-H 'content-type: application/json'";
  const idOf = `node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).session.id'`;
  return [
    '',
    'session-expiry local stack is up',
    `  API          ${api}`,
    `  DynamoDB     ${stack.dynamodbEndpoint}  (tables ${stack.tables.sessions}, ${stack.tables.idempotency})`,
    `  Data         ${dataDir}  (events.ndjson, tasks/<session>.log)`,
    `  Profiles     ${Object.keys(config.profiles).join(', ')}`,
    '',
    'A token for user "dev" (valid 12 hours; `npm run sessionctl -- token --user NAME [--admin]` for others):',
    `  export TOKEN=${shellQuote(token)}`,
    '',
    'Try it:',
    `  curl -s ${api}/health`,
    `  ID=$(curl -s -X POST ${api}/sessions ${auth} ${jsonType} -d '{"profile":"${profile}","idleTimeoutSeconds":120}' | ${idOf}); echo $ID`,
    `  curl -s ${api}/sessions ${auth}`,
    `  curl -s -X POST ${api}/sessions/$ID/activity ${auth} ${jsonType} -d '{"kind":"interaction"}'`,
    `  curl -s -X DELETE ${api}/sessions/$ID ${auth}`,
    '',
    'Ctrl-C stops the stack; session processes keep running and are adopted on the next start.',
    '',
  ].join('\n');
};

const main = async (): Promise<void> => {
  const port = intFromEnv('PORT', 3000, 0, 65535);
  const dynamodbPort = intFromEnv('DYNAMODB_PORT', 8000, 0, 65535);
  const sweepIntervalSeconds = intFromEnv('SWEEP_INTERVAL_SECONDS', 10, 1, 3600);
  const dataDir = resolve(process.env.LOCAL_DATA_DIR || '.local');
  const level = process.env.LOG_LEVEL?.toLowerCase();
  const config = readConfig();
  const log = consoleLog(isLogLevel(level) ? level : 'info');
  let taskStartRate: TaskStartRate | undefined;
  try {
    taskStartRate = taskStartRateFromEnv(process.env);
  } catch (error) {
    throw new StartupError(error instanceof Error ? error.message : String(error));
  }

  const { startLocalStack } = await import('../local/local-stack');
  let stack: LocalStack;
  try {
    stack = await startLocalStack({ port, dynamodbPort, dataDir, sweepIntervalSeconds, config, log, ...(taskStartRate !== undefined && { taskStartRate }) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      const { port: busy } = error as NodeJS.ErrnoException & { port?: number };
      throw new StartupError(`port ${busy ?? '?'} is in use: is the stack already running? Choose others with PORT=... DYNAMODB_PORT=...`);
    }
    throw error;
  }
  process.stdout.write(await banner(stack, config, dataDir));

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    log.info(`${signal}: stopping the local stack (session processes keep running)`);
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
};

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof StartupError) {
    process.stderr.write(`npm start: ${error.message}\n`);
  } else {
    process.stderr.write(`npm start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
