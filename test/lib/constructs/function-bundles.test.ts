// Each function ships only what it runs (README "Performance"): every handler entry is bundled as the
// construct bundles it (esbuild, ESM, node24, tree-shaken) and the modules that end up in the output
// are checked. The event-driven functions carry no HTTP, JWT or request-validation code; only the
// api and the starter carry the profile store (the create validates against a profile, the start
// runs its task definition); the one that never stops a task carries no ECS client; none carries
// zod, the X-Ray SDK, the CDK or the local stack; none imports Node's web streams at load.
import { exec } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { modulesIn, readSplitBundle } from '../../../bench/lib/bundle-meta';
import { FIRST_USE_PACKAGE_NAMES, HANDLER_ENTRIES, type HandlerName, PROJECT_ROOT, splitBundleCommand } from '../../../lib/constructs/session-function';

const execAsync = promisify(exec);

/** What the API alone needs: its middlewares, router and request schemas, and the JWT verifier (jose beside the bundle, see below). */
const HTTP_AND_JWT = [
  'lambdas/handlers/http/',
  'lambdas/adapters/auth/',
  'contract/api-routes.ts',
];

/**
 * The profiles are read by the api (a create) and the starter (RunTask) alone (README,
 * Configuration); the SSM client is a first-use package beside their bundles (see below).
 */
const PROFILE_STORE = [
  'lambdas/adapters/aws/profile-store.ts',
  'contract/profile-schema.ts',
];

/**
 * Never in a function: zod (valibot validates, README "Performance": zod cost each function about a
 * tenth of its cold start), Powertools (our JSON log and EMF writer cost a fraction of its load),
 * the CDK, the laptop stack.
 */
const NOWHERE = ['node_modules/zod/', 'node_modules/@aws-lambda-powertools/', 'node_modules/aws-cdk-lib/', 'contract/app-config.ts', 'local/'];

/**
 * The X-Ray SDK (under the Powertools Tracer) was the largest part of every function's init for
 * subsegments of its HTTP calls; Lambda's active tracing records the invocations without it (README
 * "Tracing"). Bringing it back is a decision to state there, with its cold-start price.
 */
const XRAY_SDK = ['node_modules/aws-xray-sdk-core/', 'node_modules/@aws-lambda-powertools/tracer/', 'node_modules/cls-hooked/'];

/**
 * The api's rarer routes (create, DELETE, the admin routes, the workspaces) and what only they need:
 * loaded with the first request to one of them (lambdas/roots/api-on-first-use.ts).
 */
const RARER_ROUTES = [
  'lambdas/handlers/api-routes-on-first-use.ts',
  'lambdas/handlers/http/schemas-on-first-use.ts',
  'lambdas/use-cases/create-session.ts',
  'lambdas/use-cases/terminate-session.ts',
  'lambdas/use-cases/end-session.ts',
  'lambdas/use-cases/workspace-use.ts',
  'lambdas/use-cases/sweep.ts',
  'lambdas/use-cases/manage-workspaces.ts',
  'lambdas/use-cases/get-stats.ts',
  'lambdas/profile-config.ts',
  'contract/profile-schema.ts',
  'node_modules/p-limit/',
];

const ECS = ['node_modules/@aws-sdk/client-ecs/', 'lambdas/adapters/aws/ecs-managed-tasks.ts'];
/** Starting tasks: the starter's alone (contract/function-calls.ts), and RunTask's code with it. */
const RUN_TASK = ['lambdas/adapters/aws/ecs-task-runner.ts', 'node_modules/@aws-sdk/client-ecs/dist-es/commands/RunTaskCommand.js'];
const SWEEP = ['lambdas/use-cases/sweep.ts', 'node_modules/p-limit/'];
/** The SQS client is a first-use package beside the bundles that send (see below). */
const START_QUEUE = ['lambdas/adapters/aws/sqs-start-queue.ts'];

interface Bundled {
  /** The repository-relative paths (node_modules included) of the modules with code in the bundle, any chunk. */
  modules: string[];
  /** The same, in what a cold start loads: index.mjs and the chunks it imports statically. */
  modulesAtLoad: string[];
  /** How many files a cold start loads (index.mjs and its chunks). */
  filesAtLoad: number;
  /** What the bundle imports from outside itself (Node's built-in modules, the first-use packages). */
  external: string[];
  /** The same, imported with a static `import` by what a cold start loads, not with `import()`. */
  externalAtLoad: string[];
}

const bundled = async (name: HandlerName, withWorkspaces = false): Promise<Bundled> => {
  // Bundled by the construct's own command (split into chunks, first-use packages left out).
  const dir = mkdtempSync(join(tmpdir(), `bundle-${name}-`));
  try {
    await execAsync(splitBundleCommand(PROJECT_ROOT, dir, HANDLER_ENTRIES[name], withWorkspaces, { metafile: join(dir, 'meta.json') }), { cwd: PROJECT_ROOT });
    const bundle = readSplitBundle(join(dir, 'meta.json'));
    const all = [...bundle.outputs.keys()];
    const externals = (files: readonly string[], atLoad: boolean) =>
      files.flatMap((file) => bundle.outputs.get(file)?.imports ?? []).filter((i) => i.external === true && (!atLoad || i.kind !== 'dynamic-import')).map((i) => i.path);
    return {
      modules: modulesIn(bundle, all),
      modulesAtLoad: modulesIn(bundle, bundle.atLoad),
      filesAtLoad: bundle.atLoad.length,
      external: externals(all, false),
      externalAtLoad: externals(bundle.atLoad, true),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const containing = (modules: readonly string[], parts: readonly string[]): string[] =>
  modules.filter((path) => parts.some((part) => path.includes(part)));

describe('function bundles', () => {
  const bundles = new Map<HandlerName, Bundled>();
  const bundleOf = (name: HandlerName): Bundled => bundles.get(name) ?? expect.fail(`${name} was not bundled`);
  const of = (name: HandlerName): string[] => bundleOf(name).modules;

  beforeAll(async () => {
    const names = Object.keys(HANDLER_ENTRIES) as HandlerName[];
    for (const [i, made] of (await Promise.all(names.map((name) => bundled(name)))).entries()) bundles.set(names[i], made);
  }, 60_000);

  it.each(Object.keys(HANDLER_ENTRIES) as HandlerName[])("%s imports no Node web streams at load (middy's streamed responses get them on first use)", (name) => {
    expect(bundleOf(name).external.filter((path) => /^(node:)?stream\/web$/.test(path))).toEqual([]);
    expect(containing(of(name), ['node_modules/@middy/core/', 'lambdas/handlers/stream-web-on-use.cjs'])).toHaveLength(2);
  });

  it.each(Object.keys(HANDLER_ENTRIES) as HandlerName[])('%s holds no EC2 client in a deployment without workspaces (most of a megabyte)', (name) => {
    expect(containing(of(name), ['node_modules/@aws-sdk/client-ec2/', 'lambdas/adapters/aws/ec2-workspace-volumes.ts'])).toEqual([]);
  });

  it('holds the workspace code where a profile has a workspace, and loads the EC2 client beside it on first use', async () => {
    const withWorkspaces = await bundled('expire', true);
    expect(containing(withWorkspaces.modules, ['lambdas/roots/ec2-workspace-volumes-root.ts', 'lambdas/adapters/aws/ec2-workspace-volumes.ts'])).toHaveLength(2);
    expect(containing(withWorkspaces.modules, ['node_modules/@aws-sdk/client-ec2/'])).toEqual([]);
    expect(withWorkspaces.external).toContain('@aws-sdk/client-ec2');
    expect(withWorkspaces.externalAtLoad).not.toContain('@aws-sdk/client-ec2');
  }, 60_000);

  it.each(['expire', 'sweep', 'taskEvent', 'starter'] as const)('%s holds no HTTP, JWT or request-validation code', (name) => {
    expect(containing(of(name), HTTP_AND_JWT)).toEqual([]);
    expect(bundleOf(name).external).not.toContain('jose');
  });

  it('api loads jose on first use only: none of its code in the bundle, imported with import() alone', () => {
    expect(containing(of('api'), ['node_modules/jose/'])).toEqual([]);
    expect(bundleOf('api').external).toContain('jose');
  });

  it.each(Object.keys(HANDLER_ENTRIES) as HandlerName[])('%s holds none of the first-use packages (jose, croner) and loads none of them at load', (name) => {
    expect(containing(of(name), FIRST_USE_PACKAGE_NAMES.map((pkg) => `node_modules/${pkg}/`))).toEqual([]);
    expect(bundleOf(name).externalAtLoad.filter((path) => (FIRST_USE_PACKAGE_NAMES as readonly string[]).includes(path))).toEqual([]);
  });

  it.each(['expire', 'sweep', 'taskEvent'] as const)('%s holds no profile store, SSM client or profile schema', (name) => {
    expect(containing(of(name), PROFILE_STORE)).toEqual([]);
  });

  it('task-event holds no ECS client: it records ends, it never stops a task', () => {
    expect(containing(of('taskEvent'), ECS)).toEqual([]);
  });

  it.each(['api', 'expire', 'sweep', 'taskEvent'] as const)('%s holds no RunTask code: only the starter starts tasks', (name) => {
    expect(containing(of(name), RUN_TASK)).toEqual([]);
  });

  it.each(['expire', 'sweep', 'taskEvent'] as const)('%s holds no SQS client: only the api and the starter queue starts', (name) => {
    expect(containing(of(name), START_QUEUE)).toEqual([]);
  });

  it.each(['expire', 'taskEvent', 'starter'] as const)('%s holds no sweep planner', (name) => {
    expect(containing(of(name), SWEEP)).toEqual([]);
  });

  it.each(Object.keys(HANDLER_ENTRIES) as HandlerName[])('%s holds no zod, Powertools, CDK or local-stack code', (name) => {
    expect(containing(of(name), NOWHERE)).toEqual([]);
  });

  it.each(Object.keys(HANDLER_ENTRIES) as HandlerName[])('%s holds no X-Ray SDK or Powertools Tracer', (name) => {
    expect(containing(of(name), XRAY_SDK)).toEqual([]);
  });

  it('api holds what it runs: the HTTP layer, the JWT verifier, the profile store, the ECS client, the start queue and the sweep (POST /sweep)', () => {
    for (const part of [...HTTP_AND_JWT, ...PROFILE_STORE, ...ECS, ...START_QUEUE, 'lambdas/use-cases/sweep.ts']) {
      expect(containing(of('api'), [part]), part).not.toEqual([]);
    }
  });

  it('api loads its rarer routes (create, DELETE, admin, workspaces) and the profiles\' parser on first use, not at a cold start', () => {
    for (const part of RARER_ROUTES) {
      expect(containing(of('api'), [part]), part).not.toEqual([]);
      expect(containing(bundleOf('api').modulesAtLoad, [part]), part).toEqual([]);
    }
  });

  it('api pays one file more at load for its rarer routes, no more: they and the profiles\' parser are one import()', () => {
    // Every function loads the same SDK chunks (those the SDK's own import()s carve out); the rarer
    // routes add the one chunk of the modules they share with the rest. Each further import() of
    // our own adds chunks at load for the modules it shares (a separate import() of the profiles'
    // parser took two more), which cost more to load than the parsing they save.
    expect(bundleOf('api').filesAtLoad).toBeLessThanOrEqual(bundleOf('expire').filesAtLoad + 1);
  });

  it('starter holds what it runs: the start use case, the profile store, the ECS client with RunTask and the start queue', () => {
    for (const part of ['lambdas/use-cases/start-session.ts', 'lambdas/handlers/starter.ts', ...PROFILE_STORE, ...ECS, ...RUN_TASK, ...START_QUEUE]) {
      expect(containing(of('starter'), [part]), part).not.toEqual([]);
    }
  });

  it.each(Object.keys(HANDLER_ENTRIES) as HandlerName[])("%s loads the SDK's credential providers on first use only (Lambda's environment credentials need none)", (name) => {
    const providers = ['node_modules/@aws-sdk/credential-provider-sso/', 'node_modules/@aws-sdk/credential-provider-ini/', 'node_modules/@aws-sdk/credential-provider-process/'];
    expect(containing(bundleOf(name).modulesAtLoad, providers)).toEqual([]);
    expect(containing(of(name), providers).length).toBeGreaterThan(0);
    // Modules both sides use are in one chunk: one class per error, so instanceof holds.
    expect(containing(bundleOf(name).modules, ['lambdas/domain/errors.ts'])).toHaveLength(1);
  });

  it.each(['api', 'starter'] as const)('%s loads the SSM and SQS clients beside its bundle with its first read and send', (name) => {
    expect(bundleOf(name).external).toEqual(expect.arrayContaining(['@aws-sdk/client-ssm', '@aws-sdk/client-sqs']));
  });
});
