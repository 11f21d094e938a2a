// What our code adds to a Lambda cold start. Each handler is bundled by the CDK construct's own
// commands (lib/constructs/session-function.ts: esbuild, ESM split into chunks, node24 target,
// minified, AWS SDK inside, the createRequire banner, source maps, the first-use packages beside
// it), then loaded in fresh Node processes with the functions' environment (dummy values) and
// AWS_LAMBDA_FUNCTION_NAME set, so each handler's root (lambdas/roots/) validates the environment
// and builds its SDK clients during init, as on Lambda. The shared baseline bundle only constructs
// the four SDK clients the functions share, bundled by the same command (and once more in one
// file); each function's own baseline constructs exactly the clients it makes at init (task-event
// no ECS client; SQS, SSM and EC2 are first-use packages, loaded by the first call that needs
// them, whose price is measured apart, as is the api's chunk of rarer routes). The difference is
// the price of our code and its libraries. The api and expire are also bundled as a deployment with
// workspace profiles bundles them (the EC2 client beside them).
// Every process runs in the bundle's own folder, as Lambda runs a function in its asset's
// (/var/task), and every bundle's folder has a path of the same, short length (rowsRoot): a split
// bundle's load costs more the longer its path, which had set rows apart by their names alone.
// Both the wall time and the CPU time of the import are taken: on a machine shared with other work
// the CPU time is the steadier figure. With BENCH_CALLGRIND=1 (and valgrind installed) each bundle
// is also loaded under callgrind, from three folders (see COUNT_FOLDERS), whose instruction count
// does not depend on the machine's load at all.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type FunctionName, callsOf } from '../../contract/function-calls';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../contract/observability';
import { type BenchCase, type BenchContext, type CaseResult, checkAborted } from '../lib/bench-case';
import { loadedWith, readSplitBundle } from '../lib/bundle-meta';
import { median, percentile } from '../lib/stats';
import { bytesText, msText, ratioText } from '../lib/table';

const BASELINE = 'baseline: SDK clients only';

/** The api's rarer routes and the profiles' parser, loaded by their first request (lambdas/roots/api-on-first-use.ts). */
const RARER_ROUTES_ENTRY = 'lambdas/roots/api-on-first-use.ts';
const RARER_ROUTES = "the api's rarer routes (create, DELETE, admin, workspaces)";
const ONE_FILE_BASELINE = 'baseline: SDK clients only, one file';

/** The rows that are not deployed functions (the baselines): no source-map or largest-parts notes for them. */
const isDeployed = (name: string): boolean => !name.startsWith('baseline');

/** Each SDK client a function may make, by the IAM service prefix of its calls, made as lambdas/roots/aws-adapters.ts makes it. */
const SDK_CLIENTS = {
  dynamodb: { label: 'DynamoDB', imports: [['DynamoDBClient', '@aws-sdk/client-dynamodb'], ['DynamoDBDocumentClient', '@aws-sdk/lib-dynamodb']], make: 'DynamoDBDocumentClient.from(new DynamoDBClient({}))' },
  ecs: { label: 'ECS', imports: [['ECSClient', '@aws-sdk/client-ecs']], make: 'new ECSClient({})' },
  scheduler: { label: 'Scheduler', imports: [['SchedulerClient', '@aws-sdk/client-scheduler']], make: 'new SchedulerClient({})' },
  events: { label: 'EventBridge', imports: [['EventBridgeClient', '@aws-sdk/client-eventbridge']], make: 'new EventBridgeClient({})' },
  sqs: { label: 'SQS', imports: [['SQSClient', '@aws-sdk/client-sqs']], make: 'new SQSClient({ useQueueUrlAsEndpoint: false })' },
  ssm: { label: 'SSM', imports: [['SSMClient', '@aws-sdk/client-ssm']], make: 'new SSMClient({})' },
  ec2: { label: 'EC2', imports: [['EC2Client', '@aws-sdk/client-ec2']], make: 'new EC2Client({})' },
} as const;
type SdkService = keyof typeof SDK_CLIENTS;
const SDK_SERVICES = Object.keys(SDK_CLIENTS) as SdkService[];

/** The four clients of lambdas/roots/aws-adapters.ts the functions share: the shared baseline. */
const SHARED_SERVICES: readonly SdkService[] = ['dynamodb', 'ecs', 'scheduler', 'events'];

/**
 * The clients a function makes at init, from its calls (contract/function-calls.ts): one per service
 * it calls (IAM's own `iam:PassRole` is no client), except those whose package is a first-use
 * package (SQS, SSM, EC2: loaded with the first call that needs them, measured apart).
 */
const servicesOf = (fn: FunctionName, firstUse: ReadonlySet<string>): SdkService[] => {
  const prefixes = new Set(callsOf(fn).map(({ action }) => action.split(':')[0]));
  return SDK_SERVICES.filter((service) => prefixes.has(service) && !SDK_CLIENTS[service].imports.some(([, from]) => firstUse.has(from)));
};

/**
 * Also bundled as a deployment with a workspace profile bundles them (the workspace code inside, the
 * EC2 client beside it): the api, which has the most besides, and expire, which has the least.
 */
const WITH_WORKSPACES: readonly FunctionName[] = ['api', 'expire'];

/** A bundle's row name without its entry: `api`, `api with workspaces`, `baseline: ...`. */
const labelOf = (name: string): string => name.replace(/ \(.*\)$/, '');

/** A bundle that constructs the given clients and nothing else. */
const baselineSource = (services: readonly SdkService[]): string => {
  const imports = services.flatMap((service) => SDK_CLIENTS[service].imports.map(([name, from]) => `import { ${name} } from '${from}';`));
  const made = services.map((service) => `  ${service}: ${SDK_CLIENTS[service].make},`);
  return [...imports, 'const clients = {', ...made, '};', 'export const handler = async () => Object.keys(clients).length;', ''].join('\n');
};

/** The name of the baseline of exactly these clients: the shared one, or one named by its clients. */
const baselineNamed = (services: readonly SdkService[]): string =>
  services.join() === SHARED_SERVICES.join() ? BASELINE : `baseline: ${services.map((service) => SDK_CLIENTS[service].label).join(', ')}`;

/** The functions' environment (contract/function-env.ts), with dummy values the wiring's validation accepts. */
const LAMBDA_ENV: Record<string, string> = {
  AWS_LAMBDA_FUNCTION_NAME: 'session-expiry-bench',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  SESSIONS_TABLE_NAME: 'bench-sessions',
  IDEMPOTENCY_TABLE_NAME: 'bench-idempotency',
  WORKSPACES_TABLE_NAME: 'bench-workspaces',
  // Read only by the bundles with workspaces; the others are bundled to ignore it (bundleDefines).
  WORKSPACE_VOLUMES_ROLE_ARN: 'arn:aws:iam::123456789012:role/bench-volumes',
  DEADLINE_SHARDS: '4',
  RETENTION_DAYS: '30',
  CLUSTER_ARN: 'arn:aws:ecs:eu-west-1:123456789012:cluster/bench',
  TASK_SUBNET_IDS: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
  TASK_SECURITY_GROUP_IDS: 'sg-0123456789abcdef0',
  TASK_ASSIGN_PUBLIC_IP: 'false',
  TASK_MARKER: 'session-expiry-bench',
  // Read from SSM on the first create, not at init (nor is the client made): the cold start measured here reads none.
  PROFILES_PARAMETER_PATH: '/bench/profiles',
  SCHEDULE_GROUP_NAME: 'bench',
  START_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/bench-starts',
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/bench-scheduler',
  EXPIRE_FUNCTION_ARN: 'arn:aws:lambda:eu-west-1:123456789012:function:bench-expire',
  SCHEDULE_DLQ_ARN: 'arn:aws:sqs:eu-west-1:123456789012:bench-dlq',
  EVENT_BUS_NAME: 'bench',
  SESSION_API_URL: 'https://api.example.test',
  ADMIN_GROUP: 'session-admins',
  ORPHAN_GRACE_SECONDS: '120',
  STUCK_AFTER_SECONDS: '600',
  JWT_ISSUER: 'https://issuer.example.test',
  JWT_AUDIENCE: 'session-expiry',
  JWT_JWKS_URL: 'https://issuer.example.test/.well-known/jwks.json',
  POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
  POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  POWERTOOLS_LOG_LEVEL: 'WARN',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/**
 * What runs in the fresh process: import the module at `timed` (a variable holding its URL), wall
 * and CPU time, after importing the one at `before`, untimed, if given.
 */
const probeScript = (timed: string, before?: string): string => `
${before === undefined ? '' : `await import(process.env.${before});`}
const cpu = process.cpuUsage();
const start = process.hrtime.bigint();
await import(process.env.${timed});
const importMs = Number(process.hrtime.bigint() - start) / 1e6;
const used = process.cpuUsage(cpu);
const importCpuMs = (used.user + used.system) / 1e3;
process.stdout.write('\\nBENCH_RESULT ' + JSON.stringify({ importMs, importCpuMs, sinceProcessStartMs: performance.now() }) + '\\n');
`;

/** The load + init of a bundle (module evaluation and the handler's init). */
const PROBE = probeScript('BENCH_BUNDLE_URL');

/** The first load of one first-use package beside a bundle, in a process that has loaded the bundle. */
const FIRST_USE_PROBE = probeScript('BENCH_FIRST_USE_URL', 'BENCH_BUNDLE_URL');

interface Bundle {
  name: string;
  file: string;
  /** What a cold start loads: index.mjs and the chunks it imports statically. */
  bytes: number;
  /** How many files that is. */
  chunks: number;
  /** The chunks only an `import()` loads, on first use. */
  onFirstUseBytes: number;
  gzipBytes: number;
  mapBytes: number;
  /** Bytes in the output by package (`our code` for this repository's sources), largest first. */
  byPackage: [string, number][];
}

/** `node_modules/@scope/name/...` → `@scope/name`; our own sources → `our code`. */
const packageOf = (input: string): string => {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input.slice(input.lastIndexOf('node_modules/')));
  return match?.[1] ?? 'our code';
};

const byPackage = (inputs: Record<string, { bytesInOutput: number }>): [string, number][] => {
  const totals = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) totals.set(packageOf(path), (totals.get(packageOf(path)) ?? 0) + bytesInOutput);
  return [...totals].sort((a, b) => b[1] - a[1]);
};

/** The packages that are not the AWS SDK itself (which the baseline holds too), largest first. */
const beyondSdk = (parts: [string, number][]): [string, number][] => parts.filter(([pkg]) => !/^@(aws-sdk|smithy)\//.test(pkg));

interface Probe {
  importMs: number;
  /** User + system CPU of the process during the import (all its threads). */
  importCpuMs: number;
  sinceProcessStartMs: number;
}

/** The process's environment for a probe: the functions' variables and the bundle to load, if any. */
const probeEnv = (file: string | undefined, cwd: string): NodeJS.ProcessEnv => ({
  PATH: process.env['PATH'] ?? '',
  HOME: cwd,
  ...LAMBDA_ENV,
  ...(file !== undefined && { BENCH_BUNDLE_URL: pathToFileURL(file).href }),
});

const probe = (file: string, sourceMaps: boolean, cwd: string, firstUse?: string): Promise<Probe> =>
  new Promise((resolve, reject) => {
    const args = [...(sourceMaps ? ['--enable-source-maps'] : []), '--input-type=module', '-e', firstUse === undefined ? PROBE : FIRST_USE_PROBE];
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...probeEnv(file, cwd), ...(firstUse !== undefined && { BENCH_FIRST_USE_URL: pathToFileURL(firstUse).href }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (code !== 0 || line === undefined) {
        reject(new Error(`loading ${file} failed (exit ${code}): ${(err || out).trim().split('\n').slice(0, 5).join(' | ')}`));
        return;
      }
      resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as Probe);
    });
  });

/**
 * Instructions a whole Node process executes under `valgrind --tool=callgrind`, importing `file` as
 * the probe does (or nothing). `--single-threaded` keeps V8's compiler and GC on the main thread:
 * with background threads the count varied by 10 % from run to run. Fixed hash and random seeds
 * make it repeat to 0.1 %: with V8's random ones a bundle's count still moved by up to 4 %.
 */
const instructions = (file: string | undefined, cwd: string): number => {
  const script = file === undefined ? 'await Promise.resolve();' : 'await import(process.env.BENCH_BUNDLE_URL);';
  const result = spawnSync(
    'valgrind',
    ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, '--single-threaded', '--hash-seed=1', '--random-seed=1', '--enable-source-maps', '--input-type=module', '-e', script],
    { cwd, env: probeEnv(file, cwd), encoding: 'utf8', timeout: 180_000 },
  );
  const count = /Collected\s*:\s*(\d+)/.exec(result.stderr ?? '')?.[1];
  if (result.status !== 0 || count === undefined) throw new Error(`callgrind of ${file ?? 'an empty process'} failed (exit ${result.status}): ${(result.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  return Number(count);
};

/** The folders every bundle is counted from (names of three lengths; see where they are used). */
const COUNT_FOLDERS = ['c', 'c'.repeat(24), 'c'.repeat(48)];

/**
 * Where every bundle is made and loaded from: `<root>/<two digits>/index.mjs`, the same length for
 * every row, and short, as Lambda's /var/task/index.mjs is. A split bundle's load costs more the
 * longer its path (Node resolves each source of each chunk's map against it): the api's very bundle
 * took 8.5 % more CPU from the workspace row's folder than from its own, 16 characters shorter, and
 * 6 % more from a 60-character folder than from a 1-character one; the baseline's folder was the
 * shortest of all. Bundled under the case's own folder, deep in the repository, every row paid for
 * the clone's path and for the length of its own name.
 */
const rowsRoot = (): string => mkdtempSync(join(tmpdir(), 'se-cold-'));

const callgrindWanted = (): boolean => process.env['BENCH_CALLGRIND'] === '1' && spawnSync('valgrind', ['--version']).status === 0;

const run = async (ctx: BenchContext): Promise<CaseResult> => {
  const root = rowsRoot();
  try {
    return await measure(ctx, root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
};

const measure = async (ctx: BenchContext, root: string): Promise<CaseResult> => {
  // 25 rounds: the CPU ratio of one round to the next moves by up to a quarter; its median by a few hundredths.
  const runs = ctx.quick ? 3 : 25;
  // The construct module is the source of truth for entries and the bundling commands (it loads
  // aws-cdk-lib, hence imported only here).
  const { HANDLER_ENTRIES, FIRST_USE_PACKAGE_NAMES, PROJECT_ROOT, firstUseFileOf, firstUsePackageCommands, firstUsePackagesOf, splitBundleCommand } = await import('../../lib/constructs/session-function');

  const bundles: Bundle[] = [];
  /** The size of each first-use package's file beside a bundle (the same beside every one). */
  const firstUseBytes = new Map<string, number>();
  /**
   * Each first-use package's file beside a bundle with workspaces (which has them all), and the
   * api's chunk of rarer routes, to measure its first load.
   */
  const firstUseFiles = new Map<string, { file: string; after: string }>();
  /**
   * A bundle made by the construct's own commands: split into chunks (or, `oneFile`, not), and for a
   * function the first-use packages beside it.
   */
  const bundleOne = (name: string, source: { entry: string; withWorkspaces: boolean; oneFile?: boolean }): void => {
    const dir = join(root, String(bundles.length).padStart(2, '0'));
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'index.mjs');
    const run = (command: string, what: string): void => {
      const made = spawnSync('bash', ['-c', command], { cwd: PROJECT_ROOT, encoding: 'utf8' });
      if (made.status !== 0) throw new Error(`${what} of ${name} failed: ${made.stderr.trim()}`);
    };
    const { entry, withWorkspaces, oneFile = false } = source;
    run(splitBundleCommand(PROJECT_ROOT, dir, entry, withWorkspaces, { metafile: join(dir, 'meta.json'), oneFile }), 'bundling');
    for (const command of isDeployed(name) ? firstUsePackageCommands(PROJECT_ROOT, dir, withWorkspaces) : []) run(command, 'bundling the first-use packages');
    for (const pkg of isDeployed(name) ? firstUsePackagesOf(withWorkspaces) : []) {
      const beside = join(dir, 'node_modules', pkg, firstUseFileOf(pkg));
      firstUseBytes.set(pkg, statSync(beside).size);
      if (withWorkspaces) firstUseFiles.set(pkg, { file: beside, after: file });
    }
    const split = readSplitBundle(join(dir, 'meta.json'));
    // The api's rarer routes (create, DELETE, admin, workspaces): a chunk of its own loaded by their first
    // request, priced like a first-use package (with the chunks only it loads).
    const rarer = [...split.outputs].find(([, output]) => output.entryPoint === RARER_ROUTES_ENTRY)?.[0];
    if (name.startsWith('api') && rarer === undefined) throw new Error(`${name}: no chunk of ${RARER_ROUTES_ENTRY}, whose first load this bench prices`);
    if (rarer !== undefined && withWorkspaces) {
      const onlyThen = loadedWith(split.outputs, rarer, new Set(split.atLoad));
      firstUseBytes.set(RARER_ROUTES, onlyThen.reduce((sum, chunk) => sum + (split.outputs.get(chunk)?.bytes ?? 0), 0));
      firstUseFiles.set(RARER_ROUTES, { file: join(dir, rarer), after: file });
    }
    const atLoad = {
      files: split.atLoad.map((chunk) => join(dir, chunk)),
      inputs: Object.assign({}, ...split.atLoad.map((chunk) => split.outputs.get(chunk)?.inputs ?? {})) as Record<string, { bytesInOutput: number }>,
      onFirstUseBytes: split.onFirstUse.reduce((sum, chunk) => sum + (split.outputs.get(chunk)?.bytes ?? 0), 0),
    };
    const code = Buffer.concat(atLoad.files.map((f) => readFileSync(f)));
    bundles.push({
      name,
      file,
      bytes: code.length,
      gzipBytes: gzipSync(code, { level: 9 }).length,
      mapBytes: atLoad.files.reduce((sum, f) => sum + statSync(`${f}.map`).size, 0),
      chunks: atLoad.files.length,
      onFirstUseBytes: atLoad.onFirstUseBytes,
      byPackage: byPackage(atLoad.inputs),
    });
  };
  /** Each function's bundle name, and the name of its own baseline (the clients it makes). */
  const ownBaseline = new Map<string, string>();
  const baselines = new Map<string, readonly SdkService[]>([[BASELINE, SHARED_SERVICES]]);
  const functions = [
    ...Object.entries(HANDLER_ENTRIES).map(([name, entry]) => ({ name: name as FunctionName, entry, withWorkspaces: false })),
    ...WITH_WORKSPACES.map((name) => ({ name, entry: HANDLER_ENTRIES[name], withWorkspaces: true })),
  ];
  for (const { name, entry, withWorkspaces } of functions) {
    checkAborted(ctx.signal);
    const bundleName = `${name}${withWorkspaces ? ' with workspaces' : ''} (${entry})`;
    bundleOne(bundleName, { entry, withWorkspaces });
    const services = servicesOf(name, new Set(FIRST_USE_PACKAGE_NAMES));
    ownBaseline.set(bundleName, baselineNamed(services));
    baselines.set(baselineNamed(services), services);
  }
  // The baselines' entries live under the project's node_modules/.cache (where their imports
  // resolve) and are bundled by the same command: the SDK's own import()s (credential providers
  // Lambda never uses) are chunks loaded on first use in a baseline as in a function.
  const baselineDir = join(PROJECT_ROOT, 'node_modules', '.cache', 'bench-baselines');
  mkdirSync(baselineDir, { recursive: true });
  for (const [name, services] of baselines) {
    const entry = join('node_modules', '.cache', 'bench-baselines', `${name.replace(/[^a-z0-9-]+/gi, '-')}.ts`);
    writeFileSync(join(PROJECT_ROOT, entry), baselineSource(services));
    bundleOne(name, { entry, withWorkspaces: false });
    // The shared baseline also in one file, as NodejsFunction alone would bundle it (and as this
    // bench bundled every row before the functions were split): the SDK's credential providers in it.
    if (name === BASELINE) bundleOne(ONE_FILE_BASELINE, { entry, withWorkspaces: false, oneFile: true });
  }
  ctx.progress(`bundled ${bundles.length} entries; loading each ${runs} times in fresh processes`);

  // Round robin over the bundles, so a slow patch of the machine hits all of them alike.
  const samples = new Map<string, { maps: Probe[]; plain: Probe[] }>(bundles.map((b) => [b.name, { maps: [], plain: [] }]));
  for (let r = 0; r < runs; r++) {
    for (const b of bundles) {
      checkAborted(ctx.signal);
      const s = samples.get(b.name)!;
      s.maps.push(await probe(b.file, true, dirname(b.file)));
      s.plain.push(await probe(b.file, false, dirname(b.file)));
    }
  }

  // The price of each first-use package, paid once per process by the first call that needs it.
  const firstUseRuns = ctx.quick ? 3 : 9;
  const firstUseCpu = new Map<string, number[]>([...firstUseFiles.keys()].map((pkg) => [pkg, []]));
  for (let r = 0; r < firstUseRuns; r++) {
    for (const [pkg, { file, after }] of firstUseFiles) {
      checkAborted(ctx.signal);
      firstUseCpu.get(pkg)?.push((await probe(after, true, dirname(after), file)).importCpuMs);
    }
  }
  const firstUseMedians = new Map([...firstUseCpu].map(([pkg, samples]) => [pkg, median(samples)]));

  // Instructions of load + init: each bundle's process minus a process that imports nothing. The
  // count grows with the length of the bundle's path: a split bundle's by about 10 M per 24
  // characters (Node's work per file and per source of its map; one file's by 1 M), so rows whose
  // folder names differ in length were counted up to 3 % apart. Every bundle is counted from a copy
  // at each of the same paths, and the median taken: no row gains or loses by its name.
  const counted = new Map<string, number>();
  const countedAt = new Map<string, number[]>();
  if (callgrindWanted()) {
    ctx.progress(`counting instructions under callgrind (${bundles.length * COUNT_FOLDERS.length + 1} processes)`);
    const empty = instructions(undefined, root);
    for (const b of bundles) {
      const counts = COUNT_FOLDERS.map((folder) => {
        checkAborted(ctx.signal);
        const copy = join(root, 'counted', folder);
        rmSync(copy, { recursive: true, force: true });
        cpSync(dirname(b.file), copy, { recursive: true });
        try {
          return instructions(join(copy, basename(b.file)), copy) - empty;
        } finally {
          rmSync(copy, { recursive: true, force: true });
        }
      });
      countedAt.set(b.name, counts);
      counted.set(b.name, median(counts));
    }
  }

  const stats = bundles.map((b) => {
    const s = samples.get(b.name)!;
    return {
      ...b,
      instructions: counted.get(b.name),
      importMs: median(s.maps.map((p) => p.importMs)),
      importMsNoSourceMaps: median(s.plain.map((p) => p.importMs)),
      importCpuMs: median(s.maps.map((p) => p.importCpuMs)),
      readyMs: median(s.maps.map((p) => p.sinceProcessStartMs)),
      samplesImportMs: s.maps.map((p) => p.importMs),
      samplesImportMsNoSourceMaps: s.plain.map((p) => p.importMs),
      samplesImportCpuMs: s.maps.map((p) => p.importCpuMs),
    };
  });
  const byName = new Map(stats.map((s) => [s.name, s]));
  const base = byName.get(BASELINE)!;
  const oneFile = byName.get(ONE_FILE_BASELINE)!;
  /** A bundle's own baseline: the clients it makes (a baseline is its own). */
  const ownOf = (s: (typeof stats)[number]): (typeof stats)[number] => byName.get(ownBaseline.get(s.name) ?? s.name)!;
  const ratio = (n: number | undefined, of: number | undefined): number | undefined => (n === undefined || of === undefined ? undefined : n / of);
  const ratioCell = (n: number | undefined, of: number | undefined): string => (n === undefined || of === undefined ? '-' : n === of ? '1x' : ratioText(n / of));
  /**
   * The CPU ratio to the own baseline within each round (the two loaded seconds apart, so a slow
   * patch of the machine hits both): its quartiles say how far one round strays from the median.
   */
  const roundRatios = (s: (typeof stats)[number]): { q1: number; q3: number } => {
    const own = ownOf(s).samplesImportCpuMs;
    const ratios = s.samplesImportCpuMs.map((cpu, round) => cpu / (own[round] ?? cpu));
    return { q1: percentile(ratios, 25), q3: percentile(ratios, 75) };
  };
  const cpuOwnCell = (s: (typeof stats)[number]): string => {
    if (ownOf(s) === s) return '1x';
    const { q1, q3 } = roundRatios(s);
    return `${ratioText(s.importCpuMs / ownOf(s).importCpuMs)} (rounds ${ratioText(q1)}-${ratioText(q3)})`;
  };
  const rows = stats.map((s) => [
    s.name,
    bytesText(s.bytes),
    bytesText(s.gzipBytes),
    msText(s.importMs),
    ratioCell(s.importMs, base.importMs),
    msText(s.importCpuMs),
    ratioCell(s.importCpuMs, base.importCpuMs),
    cpuOwnCell(s),
    msText(s.importMsNoSourceMaps),
    msText(s.readyMs),
    s.instructions === undefined ? '-' : `${(s.instructions / 1e6).toFixed(0)} M`,
    ratioCell(s.instructions, base.instructions),
    ratioCell(s.instructions, ownOf(s).instructions),
  ]);

  return {
    tables: [
      {
        title: `cold-start: bundle size and load + init time in a fresh Node ${process.version} process (median of ${runs})`,
        head: ['bundle', 'size', 'gzip', 'load+init ms', 'vs baseline', 'CPU ms', 'CPU vs baseline', 'CPU vs own baseline', 'no source maps ms', 'process start to ready ms', 'instructions (callgrind)', 'instructions vs baseline', 'instructions vs own baseline'],
        rows,
        notes: [
          `Bundled by lib/constructs/session-function.ts's own commands: esbuild, ESM, split into chunks, target node24, minify, AWS SDK bundled, createRequire banner, external source maps; the packages loaded on first use bundled beside each function (the EC2 client only with workspaces), not in "size" and not loaded by load+init.`,
          `Split as deployed: "size" is what a cold start loads (index.mjs and the chunks it imports); chunks only an import() loads, on first use: ${stats.filter((s) => isDeployed(s.name)).map((s) => `${labelOf(s.name)} ${s.chunks} files at load, ${bytesText(s.onFirstUseBytes)} on first use`).join('; ')}.`,
          `Against the shared baseline in one file (${bytesText(oneFile.bytes)}, the SDK's credential providers parsed at load; how every row was bundled before the functions were split), CPU and instructions: ${stats.filter((s) => isDeployed(s.name)).map((s) => `${labelOf(s.name)} ${ratioText(s.importCpuMs / oneFile.importCpuMs)}${s.instructions !== undefined && oneFile.instructions !== undefined ? ` / ${ratioText(s.instructions / oneFile.instructions)}` : ''}`).join(', ')}.`,
          `First use, paid once per process by the first call that needs it (CPU ms of loading the package's file beside the bundle, or the api's chunk of rarer routes with the chunks only it loads, median of ${firstUseRuns}): ${[...firstUseMedians].map(([pkg, ms]) => `${pkg} ${msText(ms)} (${bytesText(firstUseBytes.get(pkg) ?? 0)})`).join(', ')}.`,
          'load+init: import() of the bundle with the functions\' environment and AWS_LAMBDA_FUNCTION_NAME set, so the handler validates its environment and builds its SDK clients at load, as on Lambda; run with --enable-source-maps as deployed (NODE_OPTIONS). No network call is made. CPU ms: the process\'s user + system CPU time during that import.',
          'CPU vs own baseline: the ratio of the two medians; in brackets the quartiles of the ratio within each round (both loaded in turn, seconds apart), how far one round strays.',
          `"baseline" is ${BASELINE}: the four clients the functions share (${SHARED_SERVICES.map((service) => SDK_CLIENTS[service].label).join(', ')}). "own baseline" constructs exactly the clients the function makes at init (one per service of its calls in contract/function-calls.ts, but for the clients of first-use packages: SQS, SSM, EC2): ${[...ownBaseline].map(([fn, own]) => `${labelOf(fn)} ${own === BASELINE ? 'the shared one' : own.replace('baseline: ', '')}`).join('; ')}.`,
          `Source maps (not shipped in "size"): ${stats.filter((s) => isDeployed(s.name)).map((s) => `${labelOf(s.name)} ${bytesText(s.mapBytes)}`).join(', ')}.`,
          ...stats
            .filter((s) => isDeployed(s.name))
            .map((s) => `Largest parts of ${labelOf(s.name)} beside the SDK: ${beyondSdk(s.byPackage).slice(0, 6).map(([pkg, bytes]) => `${pkg} ${bytesText(bytes)}`).join(', ')}.`),
          counted.size > 0
            ? `instructions: the median of ${COUNT_FOLDERS.length} runs per bundle under valgrind --tool=callgrind, node --single-threaded with fixed hash and random seeds (each repeats to 0.1 %), from copies of the bundle in folders of ${COUNT_FOLDERS.map((f) => f.length).join(', ')}-character names (a split bundle's count grows by about 10 M per 24 characters of its path; per folder in bench/results.json, instructionsByFolder), the process importing the bundle minus one importing nothing; independent of the machine's load.`
            : 'instructions: not counted (set BENCH_CALLGRIND=1 with valgrind installed).',
          'Lambda runs Node 24 on arm64 with its own CPU share: read the ratio to the baseline, not the absolute milliseconds.',
        ],
      },
    ],
    figures: {
      runs,
      nodeVersion: process.version,
      bundles: Object.fromEntries(
        stats.map((s) => [
          s.name,
          {
            bytes: s.bytes,
            gzipBytes: s.gzipBytes,
            sourceMapBytes: s.mapBytes,
            filesAtLoad: s.chunks,
            chunksOnFirstUseBytes: s.onFirstUseBytes,
            medianImportMs: s.importMs,
            medianImportMsNoSourceMaps: s.importMsNoSourceMaps,
            medianImportCpuMs: s.importCpuMs,
            cpuRatioToBaseline: s.importCpuMs / base.importCpuMs,
            cpuRatioToOneFileBaseline: s.importCpuMs / oneFile.importCpuMs,
            ...(s.instructions !== undefined && oneFile.instructions !== undefined && { instructionRatioToOneFileBaseline: s.instructions / oneFile.instructions }),
            ownBaseline: ownOf(s).name,
            cpuRatioToOwnBaseline: s.importCpuMs / ownOf(s).importCpuMs,
            cpuRatioToOwnBaselineByRound: roundRatios(s),
            medianProcessStartToReadyMs: s.readyMs,
            ratioToBaseline: s.importMs / base.importMs,
            ...(s.instructions !== undefined && {
              instructions: s.instructions,
              instructionRatioToBaseline: ratio(s.instructions, base.instructions),
              instructionRatioToOwnBaseline: ratio(s.instructions, ownOf(s).instructions),
              instructionsByFolder: countedAt.get(s.name),
            }),
            bytesByPackage: Object.fromEntries(s.byPackage),
            samplesImportMs: s.samplesImportMs,
            samplesImportMsNoSourceMaps: s.samplesImportMsNoSourceMaps,
            samplesImportCpuMs: s.samplesImportCpuMs,
          },
        ]),
      ),
      firstUse: Object.fromEntries([...firstUseMedians].map(([pkg, ms]) => [pkg, { bytes: firstUseBytes.get(pkg), medianCpuMs: ms, samplesCpuMs: firstUseCpu.get(pkg) }])),
      bytesRatioToBaseline: Object.fromEntries(stats.map((s) => [s.name, s.bytes / base.bytes])),
    },
  };
};

export const coldStart: BenchCase = {
  name: 'cold-start',
  title: 'handler bundle size and load + init time vs a bundle of the bare SDK clients',
  // Ten bundles (seven function rows, three baselines); callgrind runs each process some 50 times slower, and counts each bundle from three folders: about four more minutes.
  timeoutMs: process.env['BENCH_CALLGRIND'] === '1' ? 600_000 : 240_000,
  run,
};
