// The one Lambda function construct: every function of the stack gets the same runtime, architecture,
// bundling, log group, tracing and explicit memory/timeout from here, and grows its environment only
// by adding keys (a second value for a key is a bug, so it throws instead of silently replacing).
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type Construct } from 'constructs';
import { type FunctionEnvName, type FunctionEnvironment } from '../../contract/function-env';
import { acknowledgeLogGroupControls, control } from '../nag/control-tower';

/** The repository root: entries, the lock file and the tsconfig are found from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The handler modules, each with `export const handler`. */
export const HANDLER_ENTRIES = {
  api: 'lambdas/handlers/api.ts',
  expire: 'lambdas/handlers/expire.ts',
  sweep: 'lambdas/handlers/sweep.ts',
  taskEvent: 'lambdas/handlers/task-event.ts',
  starter: 'lambdas/handlers/starter.ts',
} as const;
export type HandlerName = keyof typeof HANDLER_ENTRIES;

export const entryPath = (name: HandlerName): string => fileURLToPath(new URL(`../../${HANDLER_ENTRIES[name]}`, import.meta.url));

export const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;

/**
 * ESM output. Our own code and jose are ESM, and ESM allows top-level await. The banner gives the
 * bundle a real `require`: a CommonJS dependency that calls `require('util')` and friends at load
 * time would otherwise fail with esbuild's ESM shim ("Dynamic require of ... is not supported").
 * No bundled dependency does today (the X-Ray SDK was the one, README "Tracing"); the banner costs
 * next to nothing and keeps the next such dependency working.
 */
export const ESM_REQUIRE_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * Modules the bundles take from elsewhere (esbuild `alias`; paths relative to the project root, where
 * esbuild runs, locally or in Docker). `node:stream/web`: @middy/core imports it at load for streamed
 * responses only, which no handler returns; the stand-in defers Node's web streams to their first
 * use (README "Performance").
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  'node:stream/web': './lambdas/handlers/stream-web-on-use.cjs',
};

/**
 * Compile-time constants of the bundles: `SESSION_EXPIRY_WORKSPACES` false leaves the EC2 client
 * (most of a megabyte, README "Performance") out of every bundle of a deployment without workspace
 * profiles; lambdas/roots/aws-adapters.ts reads it, unbundled code (tests, local) sees it undefined.
 */
export const bundleDefines = (withWorkspaces: boolean): Record<string, string> => ({ SESSION_EXPIRY_WORKSPACES: String(withWorkspaces) });

/**
 * Packages the functions load only on first use (README "Performance"): left out of the bundle,
 * each is bundled into a file of its own beside it, as a package of the asset
 * (`node_modules/<name>/`), which Node finds from `index.mjs`. A cold start then does not parse
 * them (they came before the split into chunks, which would also keep them off a cold start, but
 * share the SDK's core where these carry their own copy). `entry`, where given, is the module of ours that
 * says what the functions use of the package (the side file is built from it, so it holds only
 * that); `format` how the code loads it: `import()` (ESM) or a synchronous require (CommonJS).
 * - jose verifies the activity route's bearer tokens (lambdas/adapters/auth/jwt-verifier.ts);
 * - croner reads a profile's scheduled stop (contract/scheduled-stop.ts, required: its CommonJS build);
 * - the SQS and SSM clients send a create's start and read the profiles (lambdas/roots/);
 * - the EC2 client snapshots and deletes workspace volumes, in a deployment with workspaces only.
 */
export const FIRST_USE_PACKAGES = {
  jose: { format: 'esm', entry: 'lambdas/adapters/auth/jose-on-first-use.ts' },
  croner: { format: 'cjs' },
  '@aws-sdk/client-sqs': { format: 'esm', entry: 'lambdas/adapters/aws/sdk/client-sqs.ts' },
  '@aws-sdk/client-ssm': { format: 'esm', entry: 'lambdas/adapters/aws/sdk/client-ssm.ts' },
  '@aws-sdk/client-ec2': { format: 'esm', entry: 'lambdas/adapters/aws/sdk/client-ec2.ts', workspacesOnly: true },
} as const satisfies Record<string, { format: 'esm' | 'cjs'; entry?: string; workspacesOnly?: boolean }>;

export type FirstUsePackage = keyof typeof FIRST_USE_PACKAGES;

export const FIRST_USE_PACKAGE_NAMES = Object.keys(FIRST_USE_PACKAGES) as FirstUsePackage[];

/** The first-use packages beside a bundle: the EC2 client only where a profile has a workspace. */
export const firstUsePackagesOf = (withWorkspaces: boolean): FirstUsePackage[] =>
  FIRST_USE_PACKAGE_NAMES.filter((name) => withWorkspaces || !('workspacesOnly' in FIRST_USE_PACKAGES[name]));

/** The file of a first-use package inside its folder. */
export const firstUseFileOf = (name: FirstUsePackage): string => (FIRST_USE_PACKAGES[name].format === 'esm' ? 'index.mjs' : 'index.cjs');

/** One shell word, whatever the value holds. */
const shellQuoted = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

/**
 * The shell commands that bundle the first-use packages into an asset's `outputDir`, run after the
 * function's own bundle (NodejsFunction's `afterBundling` hook, bash in `inputDir`, the project
 * root), as that bundle is built: ESM builds of the SDK (`module` first), minified, for node24. The
 * bench runs the same commands (bench/cases/cold-start.ts).
 */
export const firstUsePackageCommands = (inputDir: string, outputDir: string, withWorkspaces: boolean): string[] =>
  firstUsePackagesOf(withWorkspaces).flatMap((name) => {
    const spec: { format: 'esm' | 'cjs'; entry?: string } = FIRST_USE_PACKAGES[name];
    const dir = `${outputDir}/node_modules/${name}`;
    const file = firstUseFileOf(name);
    const manifest = JSON.stringify(spec.format === 'esm' ? { name, type: 'module', exports: `./${file}` } : { name, main: `./${file}` });
    const entry = spec.entry === undefined ? name : `${inputDir}/${spec.entry}`;
    return [
      `mkdir -p ${shellQuoted(dir)}`,
      `${shellQuoted(`${inputDir}/node_modules/.bin/esbuild`)} ${shellQuoted(entry)} --bundle --platform=node --format=${spec.format} --target=node24 --main-fields=module,main --minify --log-level=warning ${shellQuoted(`--outfile=${dir}/${file}`)}`,
      `printf '%s' ${shellQuoted(manifest)} > ${shellQuoted(`${dir}/package.json`)}`,
    ];
  });

/**
 * The command that bundles a function as it is deployed, split into chunks (README "Performance"):
 * what a cold start runs in `index.mjs` and the chunks it imports, what only an `import()` reaches
 * (the SDK's credential providers, which Lambda's environment credentials never need) in chunks
 * loaded on first use. esbuild
 * splits only with `--outdir`, and NodejsFunction bundles with `--outfile`, so this runs after its
 * own bundling (the `afterBundling` hook, bash in the project root) and replaces `index.mjs` with
 * the same options (ESM, node24, the SDK inside, minified, source maps without the sources' text,
 * the banner, defines and aliases, the first-use packages left out). Modules both sides use are in
 * shared chunks, loaded once: one class per error, so `instanceof` holds across chunks. The bench
 * and the bundle tests run the same command (`metafile` for them to read).
 */
export const splitBundleCommand = (
  inputDir: string,
  outputDir: string,
  entry: string,
  withWorkspaces: boolean,
  options: { metafile?: string; oneFile?: boolean } = {},
): string =>
  [
    shellQuoted(`${inputDir}/node_modules/.bin/esbuild`),
    shellQuoted(`${inputDir}/${entry}`),
    '--bundle',
    // One file: as NodejsFunction bundles on its own, for the bench's one-file baseline only.
    ...(options.oneFile === true ? [] : ['--splitting']),
    '--format=esm',
    '--platform=node',
    '--target=node24',
    '--main-fields=module,main',
    '--minify',
    '--sourcemap',
    '--sources-content=false',
    '--log-level=warning',
    shellQuoted(`--outdir=${outputDir}`),
    '--entry-names=index',
    '--chunk-names=chunk-[hash]',
    '--out-extension:.js=.mjs',
    shellQuoted(`--banner:js=${ESM_REQUIRE_BANNER}`),
    shellQuoted(`--tsconfig=${inputDir}/tsconfig.json`),
    ...Object.entries(bundleDefines(withWorkspaces)).map(([name, value]) => shellQuoted(`--define:${name}=${value}`)),
    ...Object.entries(BUNDLE_ALIASES).map(([from, to]) => shellQuoted(`--alias:${from}=${to}`)),
    ...FIRST_USE_PACKAGE_NAMES.map((name) => shellQuoted(`--external:${name}`)),
    ...(options.metafile === undefined ? [] : [shellQuoted(`--metafile=${options.metafile}`)]),
  ].join(' ');

export interface SessionFunctionProps {
  handler: HandlerName;
  description: string;
  memorySize: number;
  timeout: Duration;
  logRetention: RetentionDays;
  /** Needed only where the function's ARN must be known before it exists (the expire target). */
  functionName?: string;
  environment?: Readonly<FunctionEnvironment>;
  /** Whether some profile has a workspace: only then does the bundle hold the EC2 client. */
  withWorkspaces: boolean;
}

export class SessionFunction extends NodejsFunction {
  // Assigned in the constructor (not as a field initializer) so that it exists before any
  // addEnvironment call we make; NodejsFunction itself adds no variables on this runtime.
  private readonly envKeys: Map<FunctionEnvName, string>;

  constructor(scope: Construct, id: string, props: SessionFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    acknowledgeLogGroupControls(logGroup, props.logRetention);
    // Our own role instead of the AWSLambdaBasicExecutionRole managed policy: it may write to its
    // own log group only, not create log groups anywhere.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.handler} function`,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
    );
    super(scope, id, {
      entry: entryPath(props.handler),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      description: props.description,
      ...(props.functionName !== undefined && { functionName: props.functionName }),
      runtime: FUNCTION_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        // Maps without the sources' text: stack traces still name the TypeScript file and line, and
        // Node parses a third of the JSON at load (README "Performance").
        sourcesContent: false,
        // The SDK goes into the bundle (tree-shaken): a pinned, tested version and faster cold starts
        // than resolving the runtime's full copy.
        bundleAwsSDK: true,
        externalModules: [...FIRST_USE_PACKAGE_NAMES],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir, outputDir) => [
            splitBundleCommand(inputDir, outputDir, HANDLER_ENTRIES[props.handler], props.withWorkspaces),
            ...firstUsePackageCommands(inputDir, outputDir, props.withWorkspaces),
          ],
        },
        tsconfig: `${PROJECT_ROOT}tsconfig.json`,
        define: bundleDefines(props.withWorkspaces),
        esbuildArgs: Object.fromEntries(Object.entries(BUNDLE_ALIASES).map(([from, to]) => [`--alias:${from}`, to])),
      },
    });
    Validations.of(this).acknowledge(
      control(
        'CT.LAMBDA.PR.3',
        'The functions call only public AWS APIs (DynamoDB, ECS, Scheduler, EventBridge, X-Ray) and the issuer JWKS URL, over TLS; there is no private resource to reach, and a VPC would need a NAT gateway (the JWKS URL is on the internet), an hourly cost at idle.',
      ),
    );
    this.envKeys = new Map();
    // Stack traces of the minified bundle point at the TypeScript sources.
    this.addEnvironment('NODE_OPTIONS', '--enable-source-maps');
    for (const [key, value] of Object.entries(props.environment ?? {}) as [FunctionEnvName, string | undefined][]) {
      if (value !== undefined) this.addEnvironment(key, value);
    }
  }

  /**
   * Adds one variable; setting a key again to another value throws (callers add, never replace).
   * Only the contract's names (contract/function-env.ts): the runtime reads no other, so a misspelt
   * name fails typecheck rather than a cold start.
   */
  override addEnvironment(key: FunctionEnvName, value: string): this {
    if ((this.envKeys as Map<string, string> | undefined) === undefined) return super.addEnvironment(key, value);
    const existing = this.envKeys.get(key);
    if (existing !== undefined) {
      if (existing === value) return this;
      throw new Error(`${this.node.path}: environment variable ${key} is already set`);
    }
    this.envKeys.set(key, value);
    return super.addEnvironment(key, value);
  }

  /** The names of the variables set so far (tests and the binding helpers read this). */
  get environmentKeys(): FunctionEnvName[] {
    return [...this.envKeys.keys()];
  }
}
