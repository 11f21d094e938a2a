// Profiles are bounded by neither Lambda's environment nor one parameter: fifty realistic profiles
// synthesize into a stack CloudFormation would take, each in its own standard parameter that the
// runtime's parser accepts, while every function's environment stays as small as with one profile.
// The construct alone: the size check names a profile too large for a parameter, and the digest
// follows the profiles and nothing else.
import { App, Lazy, Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../contract/app-config';
import { parseDeployedProfiles } from '../../../lambdas/profile-config';
import { PROFILE_DOCUMENT_MAX_BYTES, ProfileParameters } from '../../../lib/constructs/profile-parameters';
import { type DeployedProfile } from '../../../lib/constructs/session-cluster';
import { deployedEnvironment, deployedParametersUnder, deployedValue } from '../../support/deployed-value';
import { type SynthesizedApp, rawConfig, resourcesOf, synthApp } from '../../support/synth-app';
import { thrownBy } from '../../support/thrown';

const PROFILE_COUNT = 50;

/** Fargate's CPU units with a memory size each allows. */
const SIZES = [
  { cpu: 256, memoryMiB: 512 },
  { cpu: 512, memoryMiB: 2048 },
  { cpu: 1024, memoryMiB: 4096 },
  { cpu: 2048, memoryMiB: 8192 },
  { cpu: 4096, memoryMiB: 16_384 },
];

const WORKSPACES = [
  { kind: 'jupyter', image: 'quay.io/jupyter/datascience-notebook:2025-06-02', port: 8888, command: ['start-notebook.py', '--ServerApp.base_url=/session/', "--ServerApp.token=''", '--ServerApp.allow_origin=*'] },
  { kind: 'rstudio', image: 'rocker/rstudio:4.4.1', port: 8787, command: ['/init'] },
  { kind: 'vscode', image: 'codercom/code-server:4.91.1', port: 8080, command: ['code-server', '--bind-addr', '0.0.0.0:8080', '--auth', 'none', '--disable-telemetry', '/home/coder/project'] },
  { kind: 'desktop', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/workspaces/linux-desktop:2025.06.1', port: 6901, command: ['/dockerstartup/vnc_startup.sh', '--wait'] },
  { kind: 'shell', image: 'public.ecr.aws/docker/library/ubuntu:24.04', port: undefined, command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"] },
];

/** Fifty profiles as a platform team would configure them: five workspace kinds, five sizes, two teams. */
const fiftyProfiles = (): Record<string, Record<string, unknown>> =>
  Object.fromEntries(
    Array.from({ length: PROFILE_COUNT }, (_, i) => {
      const workspace = WORKSPACES[i % WORKSPACES.length] ?? WORKSPACES[0];
      const size = SIZES[Math.floor(i / WORKSPACES.length) % SIZES.length] ?? SIZES[0];
      const team = i < PROFILE_COUNT / 2 ? 'research' : 'teaching';
      const name = `${team}-${workspace?.kind}-${size?.cpu}-${i}`;
      return [
        name,
        {
          description: `${workspace?.kind} workspace for the ${team} team: ${size?.cpu} CPU units, ${size?.memoryMiB} MiB; stops after 30 idle minutes, at most 12 hours`,
          image: workspace?.image,
          command: workspace?.command,
          ...size,
          ...(workspace?.port !== undefined && { containerPort: workspace.port }),
          stopTimeoutSeconds: 30,
          idleTimeoutSeconds: { default: 1800, min: 300, max: 7200 + i * 60 },
          maxLifetimeSeconds: { default: 43_200, min: 3600, max: 86_400 },
          disconnectGraceSeconds: 600,
          warnBeforeSeconds: 300,
          activeWithinSeconds: 120,
          idleWithinSeconds: 900,
          maxSessionsPerOwner: 1 + (i % 3),
          local: { command: ['node', 'bin/demo-session.mjs'] },
        },
      ];
    }),
  );

/** What CloudFormation deploys for a resource property: every intrinsic in it resolved. */
const deployedJson = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(deployedJson);
  if (value === null || typeof value !== 'object') return value;
  const [key] = Object.keys(value);
  if (key === 'Ref' || key?.startsWith('Fn::')) return deployedValue(value);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deployedJson(v)]));
};

/** Lambda's measure: the variables' names and values, all together, at most 4 KB. */
const environmentBytes = (env: Record<string, string>): number =>
  Object.entries(env).reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), 0);

const functionEnvironments = (synth: SynthesizedApp): Record<string, string>[] =>
  Object.values(resourcesOf(synth.statelessTemplate, 'AWS::Lambda::Function')).map((fn) =>
    deployedEnvironment((fn.Properties?.['Environment'] as { Variables: Record<string, unknown> }).Variables),
  );

describe('fifty profiles', () => {
  let fifty: SynthesizedApp;
  let one: SynthesizedApp;
  const configured = fiftyProfiles();

  beforeAll(() => {
    fifty = synthApp({ ...rawConfig(), profiles: configured });
    one = synthApp();
  }, 60_000);
  afterAll(() => {
    fifty?.cleanup();
    one?.cleanup();
  });

  it('synthesize, each into a standard parameter the runtime reads back as configured, with its own task definition', () => {
    const parameters = resourcesOf(fifty.statelessTemplate, 'AWS::SSM::Parameter');
    const path = fifty.stateless.profiles.path;
    const documents = deployedParametersUnder(parameters, path);

    expect(Object.keys(documents).sort()).toEqual(Object.keys(configured).sort());
    for (const [name, document] of Object.entries(documents)) expect(Buffer.byteLength(document), name).toBeLessThanOrEqual(PROFILE_DOCUMENT_MAX_BYTES);
    for (const parameter of Object.values(parameters)) expect(parameter.Properties).toMatchObject({ Type: 'String', Tier: 'Standard' });

    const { profiles, targets } = parseDeployedProfiles(documents, path);
    const expected = parseConfig({ profiles: configured }).profiles;
    for (const [name, config] of Object.entries(expected)) {
      expect(profiles[name], name).toMatchObject({ name, description: config.description, idleTimeoutSeconds: config.idleTimeoutSeconds, maxSessionsPerOwner: config.maxSessionsPerOwner });
    }
    const taskDefinitions = Object.keys(resourcesOf(fifty.statelessTemplate, 'AWS::ECS::TaskDefinition'));
    expect(taskDefinitions).toHaveLength(PROFILE_COUNT);
    expect(new Set(Object.values(targets).map((t) => t.taskDefinitionArn)).size).toBe(PROFILE_COUNT);
  });

  it("keep every function's environment well under Lambda's 4 KB, and exactly as large as with one profile", () => {
    const sizes = functionEnvironments(fifty).map(environmentBytes);
    const oneProfileSizes = functionEnvironments(one).map(environmentBytes);

    for (const size of sizes) expect(size).toBeLessThan(4096 / 2);
    expect(sizes).toEqual(oneProfileSizes);
  });

  it("would deploy: inside CloudFormation's 500 resources and 1 MB template, and IAM's 10,240 characters of inline policy per role", () => {
    const template = fifty.statelessTemplate.toJSON() as { Resources: Record<string, unknown> };
    expect(Object.keys(template.Resources).length).toBeLessThan(500);
    expect(Buffer.byteLength(JSON.stringify(template))).toBeLessThan(1_000_000);

    const inlineByRole = new Map<string, number>();
    for (const policy of Object.values(resourcesOf(fifty.statelessTemplate, 'AWS::IAM::Policy'))) {
      const characters = JSON.stringify(deployedJson(policy.Properties?.['PolicyDocument'])).replace(/\s/g, '').length;
      for (const role of (policy.Properties?.['Roles'] as { Ref: string }[] | undefined) ?? []) inlineByRole.set(role.Ref, (inlineByRole.get(role.Ref) ?? 0) + characters);
    }
    for (const [role, characters] of inlineByRole) expect(characters, role).toBeLessThanOrEqual(10_240);
    for (const [id, policy] of Object.entries(resourcesOf(fifty.statelessTemplate, 'AWS::IAM::ManagedPolicy'))) {
      expect(JSON.stringify(deployedJson(policy.Properties?.['PolicyDocument'])).replace(/\s/g, '').length, id).toBeLessThanOrEqual(6144);
    }
  });
});

describe('ProfileParameters', () => {
  const profile = (overrides: Partial<DeployedProfile> = {}): DeployedProfile => ({
    ...(parseConfig({ profiles: { demo: rawConfig().profiles['demo'] } }).profiles['demo'] as DeployedProfile),
    taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/demo:1',
    containerName: 'session',
    ...overrides,
  });
  const parametersOf = (profiles: Record<string, DeployedProfile>) => new ProfileParameters(new Stack(new App(), 'Sessions'), 'Profiles', { profiles });

  it('fails synth naming a profile too large for a standard parameter', () => {
    const error = thrownBy(() => parametersOf({ big: profile({ command: Array.from({ length: 80 }, (_, i) => `--option-${i}=${'x'.repeat(40)}`) }) }));

    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(/sessionExpiry\.profiles\.big: is up to \d+ bytes as deployed, more than an SSM parameter's 4096/);
  });

  it('puts the profiles under /<stack>/profiles', () => {
    expect(parametersOf({ demo: profile() }).path).toBe('/Sessions/profiles');
  });

  it('keeps its digest when only the numbering of tokens differs: a task role the stack makes is the same profile in any app', () => {
    const digestAfter = (otherTokens: number): string => {
      const stack = new Stack(new App(), 'Sessions');
      // Tokens made before the profile's own, as any construct elsewhere in the app makes them.
      for (let i = 0; i < otherTokens; i++) Lazy.string({ produce: () => 'elsewhere' });
      const taskRole = new Role(stack, 'TaskRole', { assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com') });
      return new ProfileParameters(stack, 'Profiles', { profiles: { demo: profile({ taskRoleArn: taskRole.roleArn }) } }).digest;
    };

    expect(digestAfter(3)).toBe(digestAfter(0));
    expect(digestAfter(0)).not.toBe(parametersOf({ demo: profile() }).digest);
  });

  it('changes its digest with any profile, and only with the profiles', () => {
    const digest = parametersOf({ demo: profile() }).digest;

    expect(parametersOf({ demo: profile() }).digest).toBe(digest);
    expect(parametersOf({ demo: profile({ image: 'busybox:1.37' }) }).digest).not.toBe(digest);
    expect(parametersOf({ demo: profile({ maxSessionsPerOwner: 9 }) }).digest).not.toBe(digest);
    expect(parametersOf({ demo: profile(), other: profile() }).digest).not.toBe(digest);
  });
});
