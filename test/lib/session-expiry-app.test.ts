// The deployable app as `npm run synth` builds it: cdk-nag (AwsSolutions and Serverless), the AWS
// Control Tower proactive controls (cfn-guard) and CDK's template validation report nothing
// unacknowledged, every acknowledgment says why (and each acknowledged control is in the README),
// both plugins really run, and bad config stops bin/app.ts with the key's name instead of a stack trace.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { SynthesisMessageLevel } from 'aws-cdk-lib/cx-api';
import { type IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../contract/app-config';
import { PROJECT_ROOT } from '../../lib/constructs/session-function';
import { ACKNOWLEDGEABLE_CONTROLS, CONTROL_TOWER_PLUGIN } from '../../lib/nag/control-tower';
import { buildApp } from '../../lib/session-expiry-app';
import { type SynthesizedApp, rawConfig, synthApp, tempOutdir, workspaceConfig } from '../support/synth-app';

interface Violation {
  ruleName: string;
  description: string;
  severity: string;
  violatingConstructs: { constructPath: string }[];
}

interface SuppressedViolation extends Violation {
  reason: string;
  acknowledgedAt: string;
}

interface ValidationReport {
  pluginReports: { pluginName: string; conclusion: string; violations: Violation[]; suppressedViolations?: SuppressedViolation[] }[];
}

const reportOf = (outdir: string): ValidationReport =>
  JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;

const controlTowerReport = (outdir: string) => reportOf(outdir).pluginReports.find((r) => r.pluginName === CONTROL_TOWER_PLUGIN);

/** The Control Tower id a cfn-guard finding names, e.g. `CT.SQS.PR.1`. */
const controlIdOf = (violation: Violation): string | undefined => /\[(CT\.[A-Z0-9-]+\.PR\.\d+)\]/.exec(violation.description)?.[1];

/** The README section that lists every acknowledged control. */
const readmeControlsSection = (): string => {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('### Control Tower proactive controls');
  expect(start, 'README section "Control Tower proactive controls"').toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n#', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
};

const acknowledgmentsUnder = (root: IConstruct): { path: string; id: string; reason: string }[] =>
  root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id, reason }))),
  );

describe('the synthesized app', () => {
  let synth: SynthesizedApp;

  beforeAll(() => {
    // With a workspace on the demo profile: its volume, roles, rule and EC2 grants are checked too.
    synth = synthApp(workspaceConfig(), { cfnValidation: true, controlTower: true });
  });
  afterAll(() => synth?.cleanup());

  it('has no unacknowledged cdk-nag, Control Tower or template-validation finding, error or warning', () => {
    const report = reportOf(synth.outdir);
    const findings = report.pluginReports.flatMap((r) =>
      r.violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`),
    );
    expect(findings).toEqual([]);
  });

  it('has no CDK warning or error annotation', () => {
    const assembly = synth.app.synth();
    for (const stack of [synth.stateful, synth.stateless]) {
      const messages = assembly.getStackByName(stack.stackName).messages;
      const problems = messages.filter((m) => m.level !== SynthesisMessageLevel.INFO);
      expect(problems.map((m) => `${m.level} ${m.id}: ${JSON.stringify(m.entry.data)}`)).toEqual([]);
    }
  });

  it('gives every acknowledged finding a real reason', () => {
    const acknowledgments = acknowledgmentsUnder(synth.app);
    expect(acknowledgments.filter((a) => /^Annotation::(AwsSolutions|Serverless)-/.test(a.id)).length).toBeGreaterThan(5);
    for (const { path, id, reason } of acknowledgments) {
      expect(reason.trim().length, `${id} at ${path}`).toBeGreaterThanOrEqual(20);
    }
  });

  it('passes every Control Tower proactive control it does not acknowledge', () => {
    const report = controlTowerReport(synth.outdir);
    expect(report?.conclusion).toBe('success');
    expect(report?.violations).toEqual([]);
  });

  it('acknowledges Control Tower controls on the failing resource, each with a reason', () => {
    const suppressed = controlTowerReport(synth.outdir)?.suppressedViolations ?? [];
    expect(suppressed.length).toBeGreaterThan(0);
    for (const { ruleName, reason, acknowledgedAt, violatingConstructs } of suppressed) {
      expect(reason.trim().length, `${ruleName} at ${acknowledgedAt}`).toBeGreaterThanOrEqual(20);
      // On the resource or its L2 construct, never a stack or the whole app.
      expect(acknowledgedAt.split('/').length, `${ruleName} at ${acknowledgedAt}`).toBeGreaterThan(1);
      for (const { constructPath } of violatingConstructs) {
        expect(constructPath.split('/').length - acknowledgedAt.split('/').length, `${ruleName} at ${constructPath}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it('lists every acknowledged control in the README by id and rule, and acknowledges nothing stale', () => {
    const section = readmeControlsSection();
    const suppressed = controlTowerReport(synth.outdir)?.suppressedViolations ?? [];
    for (const violation of suppressed) {
      const id = controlIdOf(violation);
      expect(id, violation.description).toBeDefined();
      expect(section, `${id} in README`).toContain(`\`${id}\``);
      expect(section, `${violation.ruleName} in README`).toContain(`\`${violation.ruleName}\``);
    }
    const used = [...new Set(suppressed.map((v) => `${controlIdOf(v)} ${v.ruleName}`))].sort();
    expect(used).toEqual(Object.entries(ACKNOWLEDGEABLE_CONTROLS).map(([id, rule]) => `${id} ${rule}`).sort());
  });

  it('acknowledges wildcard IAM findings one by one, never a whole rule', () => {
    const wildcards = acknowledgmentsUnder(synth.app).filter((a) => a.id.includes('AwsSolutions-IAM5'));
    expect(wildcards.length).toBeGreaterThan(0);
    for (const { id } of wildcards) expect(id).toMatch(/^Annotation::AwsSolutions-IAM5\[Resource::.+\]$/);
  });
});

describe('cdk-nag and the Control Tower controls', () => {
  it('really run: an insecure queue added to the app fails synth', () => {
    const { outdir, cleanup } = tempOutdir();
    try {
      const app = new App({ outdir, builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
      buildApp(app, parseConfig(rawConfig()));
      new Queue(new Stack(app, 'Insecure'), 'PlainQueue');

      expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
      const failures = (controlTowerReport(outdir)?.violations ?? []).flatMap((v) =>
        v.violatingConstructs.map((c) => `${controlIdOf(v)} ${c.constructPath}`),
      );
      expect(failures).toContain('CT.SQS.PR.1 Insecure/PlainQueue/Resource');
      expect(failures.every((f) => f.endsWith(' Insecure/PlainQueue/Resource'))).toBe(true);
    } finally {
      cleanup();
    }
  });
});

describe('bin/app.ts', () => {
  const run = promisify(execFile);
  const runApp = (context: unknown) =>
    run(process.execPath, [join(PROJECT_ROOT, 'node_modules/tsx/dist/cli.mjs'), join(PROJECT_ROOT, 'bin/app.ts')], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context) },
      timeout: 30_000,
    });

  it('stops with exit code 1 and the invalid key, without a stack trace', async () => {
    const raw = rawConfig();
    raw['sweepIntervalMinutes'] = 0;

    const failure = await runApp({ sessionExpiry: raw }).then(
      () => undefined,
      (error: unknown) => error as { code: number; stderr: string },
    );

    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('sessionExpiry.sweepIntervalMinutes');
    expect(failure?.stderr).not.toMatch(/^\s+at /m);
  });

  it('names a CDK-only config problem the same way', async () => {
    const raw = rawConfig();
    raw['logRetentionDays'] = 42;

    const failure = await runApp({ sessionExpiry: raw }).then(
      () => undefined,
      (error: unknown) => error as { code: number; stderr: string },
    );

    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('sessionExpiry.logRetentionDays');
  });
});
