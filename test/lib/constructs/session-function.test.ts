// The one function construct: every function of the app gets the runtime, architecture, tracing,
// log group, explicit sizing and the full environment contract; each handler entry exists and
// exports `handler`; a real esbuild bundle loads as ESM and exposes the handler.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ESM_REQUIRE_BANNER,
  FIRST_USE_PACKAGES,
  FIRST_USE_PACKAGE_NAMES,
  HANDLER_ENTRIES,
  PROJECT_ROOT,
  SessionFunction,
  entryPath,
  firstUseFileOf,
  firstUsePackagesOf,
} from '../../../lib/constructs/session-function';
import { FUNCTION_ENV_NAMES } from '../../../contract/function-env';
import { loadEnv } from '../../../lambdas/wiring';
import { parseDeployedProfiles } from '../../../lambdas/profile-config';
import { deployedEnvironment, deployedParametersUnder } from '../../support/deployed-value';
import { type SynthesizedApp, rawConfig, resourcesOf, synthApp } from '../../support/synth-app';

interface FunctionProps {
  Runtime: string;
  Architectures: string[];
  TracingConfig: { Mode: string };
  MemorySize?: number;
  Timeout?: number;
  Handler: string;
  Environment: { Variables: Record<string, unknown> };
  LoggingConfig: { LogGroup: { Ref: string } };
}

describe('SessionFunction in the app', () => {
  let synth: SynthesizedApp;
  let functions: FunctionProps[];

  beforeAll(() => {
    synth = synthApp();
    functions = Object.values(resourcesOf(synth.statelessTemplate, 'AWS::Lambda::Function')).map((f) => f.Properties as unknown as FunctionProps);
  });
  afterAll(() => synth?.cleanup());

  it('makes one function per handler', () => {
    expect(functions).toHaveLength(Object.keys(HANDLER_ENTRIES).length);
  });

  it('runs every function on Node.js 24, arm64, with active tracing and explicit memory and timeout', () => {
    for (const fn of functions) {
      expect(fn.Runtime).toBe('nodejs24.x');
      expect(fn.Architectures).toEqual(['arm64']);
      expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.MemorySize).toBeGreaterThanOrEqual(128);
      expect(fn.Timeout).toBeGreaterThan(0);
      expect(fn.Handler).toBe('index.handler');
    }
  });

  it('gives every function the whole environment contract', () => {
    for (const fn of functions) {
      expect(Object.keys(fn.Environment.Variables)).toEqual(expect.arrayContaining([...FUNCTION_ENV_NAMES]));
      expect(fn.Environment.Variables['POWERTOOLS_METRICS_NAMESPACE']).toBe('SessionExpiry');
      expect(fn.Environment.Variables['POWERTOOLS_SERVICE_NAME']).toBe('session-expiry');
      expect(fn.Environment.Variables['ADMIN_GROUP']).toBe(rawConfig()['adminGroup']);
    }
  });

  it('gives every function an environment the Lambda wiring accepts, naming the path where every profile is deployed runnable', () => {
    const parameters = resourcesOf(synth.statelessTemplate, 'AWS::SSM::Parameter');
    for (const fn of functions) {
      const loaded = loadEnv(deployedEnvironment(fn.Environment.Variables));

      const path = loaded.PROFILES_PARAMETER_PATH;
      const { targets } = parseDeployedProfiles(deployedParametersUnder(parameters, path), path);

      expect(Object.keys(targets)).toEqual(Object.keys(rawConfig().profiles));
      expect(targets['demo']?.taskDefinitionArn).toMatch(/^arn:aws:/);
    }
  });

  it('logs every function to its own log group with the configured retention', () => {
    const logGroups = resourcesOf(synth.statelessTemplate, 'AWS::Logs::LogGroup');
    const ids = functions.map((fn) => fn.LoggingConfig.LogGroup.Ref);
    expect(new Set(ids).size).toBe(functions.length);
    for (const id of ids) expect(logGroups[id]?.Properties?.['RetentionInDays']).toBe(rawConfig()['logRetentionDays']);
  });
});

describe('handler entries', () => {
  it.each(Object.keys(HANDLER_ENTRIES) as (keyof typeof HANDLER_ENTRIES)[])('%s exists and exports a handler function', async (name) => {
    const path = entryPath(name);
    expect(existsSync(path), `${HANDLER_ENTRIES[name]} is missing`).toBe(true);
    const module = (await import(pathToFileURL(path).href)) as { handler?: unknown };
    expect(typeof module.handler).toBe('function');
  });
});

describe('SessionFunction on its own', () => {
  const stackWith = () =>
    new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false }), 'Fn');
  const props = { handler: 'api' as const, description: 'test', memorySize: 256, timeout: Duration.seconds(5), logRetention: RetentionDays.ONE_WEEK, withWorkspaces: false };

  it('adds environment variables and refuses to replace one with another value', () => {
    const fn = new SessionFunction(stackWith(), 'Api', { ...props, environment: { ADMIN_GROUP: 'admins' } });

    fn.addEnvironment('EVENT_BUS_NAME', 'bus').addEnvironment('ADMIN_GROUP', 'admins');

    expect(() => fn.addEnvironment('ADMIN_GROUP', 'other')).toThrow(/ADMIN_GROUP is already set/);
    expect(fn.environmentKeys).toEqual(expect.arrayContaining(['ADMIN_GROUP', 'EVENT_BUS_NAME', 'NODE_OPTIONS']));
  });

  it('puts beside a bundle with workspaces every first-use package, each exporting what its entry module says the functions use', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'session-function-'));
    try {
      const app = new App({ outdir, builtinCloudFormationValidation: false });
      new SessionFunction(new Stack(app, 'Fn'), 'Expire', { ...props, handler: 'expire', withWorkspaces: true });

      app.synth();

      const dir = join(outdir, readdirSync(outdir).find((name) => name.startsWith('asset.')) ?? '');
      for (const name of FIRST_USE_PACKAGE_NAMES) {
        const spec: { format: string; entry?: string } = FIRST_USE_PACKAGES[name];
        const file = join(dir, 'node_modules', name, firstUseFileOf(name));
        const loaded = Object.keys((await import(pathToFileURL(file).href)) as object).filter((key) => key !== 'default').sort();
        const declared = spec.entry === undefined ? Object.keys((await import(name)) as object).filter((key) => key !== 'default').sort() : Object.keys((await import(join(PROJECT_ROOT, spec.entry))) as object).sort();
        expect(loaded, name).toEqual(declared);
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('bundles minified ESM with a require shim, the bundle aliases and a source map, which loads and exports the handler', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'session-function-'));
    try {
      const app = new App({ outdir, builtinCloudFormationValidation: false });
      new SessionFunction(new Stack(app, 'Fn'), 'Api', props);

      app.synth();

      const assetDirs = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
      expect(assetDirs).toHaveLength(1);
      const dir = join(outdir, assetDirs[0] ?? '');
      // The bundle split into index.mjs and its chunks, each with its map, and the first-use packages.
      const files = readdirSync(dir).sort();
      expect(files.filter((file) => !/^chunk-[A-Z0-9]+\.mjs(\.map)?$/.test(file))).toEqual(['index.mjs', 'index.mjs.map', 'node_modules']);
      expect(files.filter((file) => file.endsWith('.mjs')).every((file) => files.includes(`${file}.map`))).toBe(true);
      // The first-use packages beside the bundle, each a package Node resolves from index.mjs.
      const beside = createRequire(join(dir, 'index.mjs'));
      for (const name of firstUsePackagesOf(false)) expect(beside.resolve(name).startsWith(join(dir, 'node_modules', name)), name).toBe(true);
      expect(() => beside.resolve('@aws-sdk/client-ec2')).toThrow(/Cannot find module/);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
      // The BUNDLE_ALIASES reach esbuild: middy's import of Node's web streams is the on-use stand-in.
      expect(code).not.toMatch(/from\s*["']node:stream\/web["']/);
      expect(code).toContain('"ByteLengthQueuingStrategy"');
      // Minified: long lines (the few line breaks left are inside template literals).
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
      const module = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler?: unknown };
      expect(typeof module.handler).toBe('function');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
