// Runs a deployed function's bundle the way the Lambda Node.js runtime would: a fresh `node`
// process in the code folder, the module and export named by the `Handler` setting, and nothing in
// its environment but the function's own variables and what Lambda itself sets. A wrong handler
// path, a missing variable or a bundle that needs a module it does not carry fails here as it would
// fail a cold start on Lambda. Every invocation is a cold start (one process each).
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DeployedFunction } from './cloud-assembly';
import { type FakeEnvironment } from './cfn-intrinsics';

// The child's side: resolve `_HANDLER` like the runtime (`<path/module>.<export>[.<nested>]`, the
// module as .js, .mjs or .cjs under the task root), call it once with the event from stdin and a
// Lambda context, and report the outcome on fd 3 (stdout and stderr are the function's log).
const RUNNER = `
import { existsSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const [taskRoot, handlerSetting, timeoutSeconds, invokedFunctionArn, requestId] = process.argv.slice(2);
const report = (outcome) => writeSync(3, JSON.stringify(outcome));
const fail = (phase, error) => {
  report({ phase, error: { name: error?.name ?? typeof error, message: error?.message ?? String(error), stack: error?.stack } });
  process.exit(1);
};
let handler;
try {
  const slash = handlerSetting.lastIndexOf('/');
  const dot = handlerSetting.indexOf('.', slash + 1);
  if (dot < 0) throw new Error('Bad handler ' + handlerSetting);
  const modulePath = join(taskRoot, handlerSetting.slice(0, dot));
  const file = ['.js', '.mjs', '.cjs'].map((ext) => modulePath + ext).find((f) => existsSync(f));
  if (file === undefined) throw new Error('Cannot find module ' + modulePath);
  const module = await import(pathToFileURL(file).href);
  handler = handlerSetting.slice(dot + 1).split('.').reduce((o, key) => o?.[key], module);
  if (typeof handler !== 'function') throw new Error(handlerSetting + ' is undefined or not exported');
} catch (error) {
  fail('init', error);
}
const event = JSON.parse(readFileSync(0, 'utf8'));
const deadline = Date.now() + Number(timeoutSeconds) * 1000;
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
  invokedFunctionArn,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  awsRequestId: requestId,
  logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
  logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};
try {
  const result = await handler(event, context);
  report({ phase: 'invoke', result: result === undefined ? null : result });
  process.exit(0);
} catch (error) {
  fail('invoke', error);
}
`;

/** Writes the runner script into a folder of the test's own (never into the code folder). */
export const writeRunner = (dir: string): string => {
  const path = join(dir, 'lambda-runner.mjs');
  writeFileSync(path, RUNNER);
  return path;
};

// Lambda refuses these in a function's configuration: the runtime owns them.
const RESERVED = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);

export interface LambdaSandbox {
  env: FakeEnvironment;
  runnerPath: string;
  /** A folder for files the SDK must not find (shared config and credentials). */
  scratchDir: string;
  /** `host:port` of a UDP sink standing in for the X-Ray daemon. */
  xrayDaemonAddress: string;
  /** Variables that point the SDK at local fakes, e.g. AWS_ENDPOINT_URL_DYNAMODB. Not set by Lambda. */
  endpoints: Record<string, string>;
}

/** The environment of one invocation: the function's variables plus what the Lambda runtime sets. */
export const lambdaEnvironment = (fn: DeployedFunction, sandbox: LambdaSandbox, variables: Record<string, string> = fn.environment): Record<string, string> => {
  const reserved = Object.keys(variables).filter((key) => RESERVED.has(key));
  if (reserved.length > 0) throw new Error(`${fn.logicalId}: Lambda rejects reserved environment variables ${reserved.join(', ')}`);
  const [daemonHost = '', daemonPort = ''] = sandbox.xrayDaemonAddress.split(':');
  const traceRoot = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  return {
    ...variables,
    // Set by the Lambda runtime ("Defined runtime environment variables" in the Lambda developer guide):
    AWS_REGION: sandbox.env.region,
    AWS_DEFAULT_REGION: sandbox.env.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroupName,
    AWS_LAMBDA_LOG_STREAM_NAME: `2026/01/01/[$LATEST]${randomBytes(16).toString('hex')}`,
    // The execution role's temporary credentials (fake: no request leaves this machine).
    AWS_ACCESS_KEY_ID: 'ASIAFAKEFAKEFAKEFAKE',
    AWS_ACCESS_KEY: 'ASIAFAKEFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
    AWS_SESSION_TOKEN: 'fake-session-token',
    _HANDLER: fn.handler,
    LAMBDA_TASK_ROOT: fn.codeDir,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: sandbox.xrayDaemonAddress,
    _AWS_XRAY_DAEMON_ADDRESS: daemonHost,
    _AWS_XRAY_DAEMON_PORT: daemonPort,
    // Per invocation; sampled when the function traces actively.
    _X_AMZN_TRACE_ID: `Root=${traceRoot};Parent=${randomBytes(8).toString('hex')};Sampled=${fn.tracing === 'Active' ? 1 : 0}`,
    // Left out on purpose: AWS_LAMBDA_RUNTIME_API and LAMBDA_RUNTIME_DIR (there is no runtime API or
    // /var/runtime here) and NODE_PATH (the runtime's own SDK copy: our bundles must carry their SDK).
    // Not from Lambda: the SDK's per-service endpoints point at local fakes, and no shared config or
    // credentials file of this machine is read (a profile there could name other endpoints).
    ...sandbox.endpoints,
    AWS_CONFIG_FILE: join(sandbox.scratchDir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(sandbox.scratchDir, 'no-aws-credentials'),
  };
};

export interface InvokeOptions {
  /** Replace the function's own variables (to prove that a broken environment fails). */
  variables?: Record<string, string>;
  /** Replace the `Handler` setting (likewise). */
  handler?: string;
}

export interface Invocation {
  result: unknown;
  /** What the function wrote to stdout and stderr (its CloudWatch log). */
  log: string;
}

export class InvocationError extends Error {
  constructor(
    readonly phase: 'init' | 'invoke' | 'runtime',
    readonly errorName: string,
    /** The error's own message, without the function log. */
    readonly errorMessage: string,
    readonly log: string,
  ) {
    super(`${errorName}: ${errorMessage}\n--- function log ---\n${log}`);
    this.name = 'InvocationError';
  }
}

/** One invocation in a fresh process; resolves with the handler's result, rejects with InvocationError. */
export const invoke = (fn: DeployedFunction, event: unknown, sandbox: LambdaSandbox, options: InvokeOptions = {}): Promise<Invocation> => {
  const target = { ...fn, handler: options.handler ?? fn.handler };
  const env = lambdaEnvironment(target, sandbox, options.variables ?? fn.environment);
  const child = spawn(
    process.execPath,
    [sandbox.runnerPath, target.codeDir, target.handler, String(fn.timeoutSeconds), fn.arn, randomUUID()],
    { cwd: fn.codeDir, env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] },
  );
  let log = '';
  let outcome = '';
  child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stdio[3]?.on('data', (chunk: Buffer) => (outcome += chunk.toString()));
  child.stdin.end(JSON.stringify(event));
  // The function's own timeout, plus room for the cold start of a fresh process on a busy machine.
  const killer = setTimeout(() => child.kill('SIGKILL'), (fn.timeoutSeconds + 10) * 1000);
  return new Promise<Invocation>((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(killer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      const parsed = outcome === '' ? undefined : (JSON.parse(outcome) as { phase: 'init' | 'invoke'; result?: unknown; error?: { name: string; message: string } });
      if (code === 0 && parsed?.phase === 'invoke' && parsed.error === undefined) return resolve({ result: parsed.result, log });
      const error = parsed?.error ?? { name: 'Runtime.ExitError', message: `process ended with ${signal ?? `exit code ${code}`} and no result` };
      reject(new InvocationError(parsed?.phase ?? 'runtime', error.name, `${fn.logicalId} (${parsed?.phase ?? 'runtime'}): ${error.message}`, log));
    });
  });
};
