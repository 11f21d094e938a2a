// Builds and synthesizes the real app for CDK tests, once per test file: the config from cdk.json
// (optionally changed), esbuild bundling skipped through CDK's own `aws:cdk:bundling-stacks`
// context (bundling is checked by its own test), cdk-nag on as in `npm run synth` (the Control Tower
// controls only when asked: cfn-guard adds about 3 s a synth), and the cloud assembly in a temp dir
// that `cleanup` removes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../contract/app-config';
import { PROJECT_ROOT } from '../../lib/constructs/session-function';
import { type SessionExpiryApp, buildApp } from '../../lib/session-expiry-app';

interface CdkJson {
  context: Record<string, unknown> & { sessionExpiry: Record<string, unknown> };
}

const cdkJson = (): CdkJson => JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as CdkJson;

/** The raw `sessionExpiry` config of cdk.json, a fresh copy to change freely. */
export const rawConfig = (): Record<string, unknown> & { profiles: Record<string, Record<string, unknown>> } =>
  structuredClone(cdkJson().context.sessionExpiry) as Record<string, unknown> & { profiles: Record<string, Record<string, unknown>> };

/** The shipped config with a `workspace` on its demo profile (README "Workspaces"): the deployed workspace pieces. */
export const workspaceConfig = (): ReturnType<typeof rawConfig> => {
  const raw = rawConfig();
  const demo = raw.profiles['demo'];
  if (demo === undefined) throw new Error('cdk.json has no demo profile');
  demo['workspace'] = { sizeGiB: 20, mountPath: '/home/user/work', retentionDays: 30, warnBeforeDays: 3 };
  return raw;
};

export interface SynthOptions {
  /** Also run CDK's built-in CloudFormation template validation (slow: the nag test only). */
  cfnValidation?: boolean;
  bundling?: boolean;
  /** Also run the Control Tower proactive controls (cfn-guard, about 3 s: the app test only). */
  controlTower?: boolean;
}

export interface SynthesizedApp extends SessionExpiryApp {
  app: App;
  outdir: string;
  stateful: SessionExpiryApp['stateful'];
  statefulTemplate: Template;
  statelessTemplate: Template;
  cleanup: () => void;
}

/** A fresh cloud-assembly directory for an App, and its removal. */
export const tempOutdir = (): { outdir: string; cleanup: () => void } => {
  const outdir = mkdtempSync(join(tmpdir(), 'session-expiry-cdk-'));
  return { outdir, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
};

export const synthApp = (raw: unknown = rawConfig(), options: SynthOptions = {}): SynthesizedApp => {
  const { outdir, cleanup } = tempOutdir();
  try {
    const app = new App({
      outdir,
      builtinCloudFormationValidation: options.cfnValidation ?? false,
      context: { ...cdkJson().context, sessionExpiry: raw, 'aws:cdk:bundling-stacks': options.bundling ? ['**'] : [] },
    });
    const built = buildApp(app, parseConfig(raw), { controlTower: options.controlTower ?? false });
    app.synth();
    return {
      ...built,
      app,
      outdir,
      statefulTemplate: Template.fromStack(built.stateful),
      statelessTemplate: Template.fromStack(built.stateless),
      cleanup,
    };
  } catch (error) {
    cleanup();
    throw error;
  }
};

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown }>;

/** Resources of one CloudFormation type, by logical id. */
export const resourcesOf = (template: Template, type: string): Resources =>
  template.findResources(type) as Resources;

export interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export const actionsOf = (statement: PolicyStatementJson): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

export const resourceListOf = (statement: PolicyStatementJson): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];

/** The statements of the identity policies attached to a role (by the role's logical id). */
export const statementsOfRole = (template: Template, roleLogicalId: string): PolicyStatementJson[] =>
  Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties?.['Roles']).includes(`"${roleLogicalId}"`))
    .flatMap((p) => (p.Properties?.['PolicyDocument'] as { Statement: PolicyStatementJson[] }).Statement);

/** Every identity-policy statement in the template. */
export const allStatements = (template: Template): PolicyStatementJson[] =>
  Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap(
    (p) => (p.Properties?.['PolicyDocument'] as { Statement: PolicyStatementJson[] }).Statement,
  );
