// Notifications on AWS (README "Notifications"): with a webhook and e-mail addresses configured, one
// rule on the session bus matches Session Expiring and Session Ended, another Session Resource
// Warning, and both target an API destination at the configured URL and an encrypted SNS topic with
// the subscriptions, each retried and dead-lettered; nothing is created when nothing is configured;
// the checks stay clean.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationOf } from '../../../local/adapters/webhook-notifier';
import { type SynthesizedApp, rawConfig, resourcesOf, synthApp } from '../../support/synth-app';

const WEBHOOK = 'https://hooks.example.com/session-expiry';
const EMAILS = ['ops@example.com', 'teacher@example.com'];

interface Report {
  pluginReports: { pluginName: string; violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[] }[];
}

describe('notifications', () => {
  let synth: SynthesizedApp;
  beforeAll(() => {
    synth = synthApp({ ...rawConfig(), notifications: { webhookUrl: WEBHOOK, emails: EMAILS } }, { controlTower: true });
  });
  afterAll(() => synth?.cleanup());

  it('matches Session Expiring and Session Ended of our source on the stack bus, to a webhook and a topic, retried and dead-lettered', () => {
    const rules = Object.values(resourcesOf(synth.statelessTemplate, 'AWS::Events::Rule')).filter((r) =>
      JSON.stringify(r.Properties?.['EventPattern']).includes('Session Expiring'),
    );
    expect(rules).toHaveLength(1);
    const props = rules[0]?.Properties ?? {};
    expect(props['EventPattern']).toEqual({ source: ['session-expiry'], 'detail-type': ['Session Expiring', 'Session Ended'] });
    expect(props['EventBusName']).toEqual({ Ref: expect.stringMatching(/^DomainEvents/) as unknown });
    const targets = props['Targets'] as Record<string, unknown>[];
    expect(targets).toHaveLength(2);
    for (const target of targets) {
      expect(target).toMatchObject({ RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 }, DeadLetterConfig: { Arn: expect.anything() as unknown } });
      expect(JSON.stringify(target['InputTransformer'])).toContain('$.detail.sessionId');
      expect(JSON.stringify(target['InputTransformer'])).not.toMatch(/token|hash/i);
    }
  });

  it('matches Session Resource Warning on its own rule, to the same webhook and topic, with which resource and how full', () => {
    const rules = Object.values(resourcesOf(synth.statelessTemplate, 'AWS::Events::Rule')).filter((r) =>
      JSON.stringify(r.Properties?.['EventPattern']).includes('Session Resource Warning'),
    );
    expect(rules.map((r) => r.Properties?.['EventPattern'])).toEqual([{ source: ['session-expiry'], 'detail-type': ['Session Resource Warning'] }]);
    const deadlineRule = Object.values(resourcesOf(synth.statelessTemplate, 'AWS::Events::Rule')).find((r) =>
      JSON.stringify(r.Properties?.['EventPattern']).includes('Session Expiring'),
    );
    const arnsOf = (rule: typeof deadlineRule) => ((rule?.Properties?.['Targets'] ?? []) as { Arn: unknown; DeadLetterConfig: unknown }[]).map((t) => JSON.stringify([t.Arn, t.DeadLetterConfig]));
    expect(arnsOf(rules[0])).toEqual(arnsOf(deadlineRule));
    const [webhook, email] = (rules[0]?.Properties?.['Targets'] ?? []) as { InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string } }[];
    expect(Object.values(webhook?.InputTransformer.InputPathsMap ?? {}).sort()).toEqual(
      ['$.detail-type', '$.detail.ownerId', '$.detail.percent', '$.detail.profile', '$.detail.resource', '$.detail.sessionId', '$.detail.threshold'],
    );
    // Unquoted: EventBridge inserts the value as JSON, so the numbers stay numbers, as locally.
    expect(webhook?.InputTransformer.InputTemplate).toContain('"percent":<detail-percent>,"threshold":<detail-threshold>');
    expect(email?.InputTransformer.InputTemplate).toMatch(/uses <detail-percent> % of its <detail-resource>/);
    expect(JSON.stringify(rules[0]?.Properties?.['Targets'])).not.toMatch(/token|hash/i);
    // The pair: the body the API destination sends has the keys the local webhook notifier sends.
    const local = notificationOf({
      type: 'Session Resource Warning',
      detail: { sessionId: 's-1', ownerId: 'u-1', profile: 'demo', resource: 'disk', percent: 91, threshold: 90 },
    });
    const template = webhook?.InputTransformer.InputTemplate ?? '';
    expect(Object.keys(JSON.parse(template.replace(/<[\w-]+>/g, '0')) as object).sort()).toEqual(Object.keys(local ?? {}).sort());
  });

  it('matches Workspace Expiring on its own rule, to the same webhook and topic, with the body the local stack sends', () => {
    const all = Object.values(resourcesOf(synth.statelessTemplate, 'AWS::Events::Rule'));
    const rules = all.filter((r) => JSON.stringify(r.Properties?.['EventPattern']).includes('Workspace Expiring'));
    expect(rules.map((r) => r.Properties?.['EventPattern'])).toEqual([{ source: ['session-expiry'], 'detail-type': ['Workspace Expiring'] }]);
    const [webhook, email] = (rules[0]?.Properties?.['Targets'] ?? []) as { InputTransformer: { InputTemplate: string }; RetryPolicy: unknown; DeadLetterConfig: unknown }[];
    expect(webhook?.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 });
    expect(email?.DeadLetterConfig).toEqual({ Arn: expect.anything() as unknown });
    expect(email?.InputTransformer.InputTemplate).toMatch(/DELETE \/workspaces\/<detail-profile>/);
    const local = notificationOf({
      type: 'Workspace Expiring',
      detail: { ownerId: 'u-1', profile: 'studio', deleteAt: '2026-12-31T12:00:00.000Z', lastUsedAt: '2026-12-01T12:00:00.000Z' },
    });
    const template = webhook?.InputTransformer.InputTemplate ?? '';
    expect(Object.keys(JSON.parse(template.replace(/<[\w-]+>/g, '0')) as object).sort()).toEqual(Object.keys(local ?? {}).sort());
  });

  it('sends the webhook POSTs to the configured URL through an API destination with a connection', () => {
    synth.statelessTemplate.hasResourceProperties('AWS::Events::ApiDestination', { InvocationEndpoint: WEBHOOK, HttpMethod: 'POST' });
    synth.statelessTemplate.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'API_KEY',
      AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-session-expiry-key' } },
    });
  });

  it('e-mails every address from a KMS-encrypted, TLS-only topic', () => {
    const topics = Object.values(resourcesOf(synth.statelessTemplate, 'AWS::SNS::Topic')).filter((t) => t.Properties?.['DisplayName'] === 'session-expiry notifications');
    expect(topics).toHaveLength(1);
    expect(topics[0]?.Properties?.['KmsMasterKeyId']).toBeDefined();
    for (const email of EMAILS) {
      synth.statelessTemplate.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: email, RedrivePolicy: Match.anyValue() });
    }
  });

  it('has no unacknowledged cdk-nag or Control Tower finding', () => {
    const report = JSON.parse(readFileSync(join(synth.outdir, 'validation-report.json'), 'utf8')) as Report;
    const findings = report.pluginReports.flatMap((r) => r.violations.map((v) => `${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`));
    expect(findings).toEqual([]);
  });

  it('creates nothing when nothing is configured', () => {
    const plain = synthApp(rawConfig());
    try {
      expect(Object.keys(resourcesOf(plain.statelessTemplate, 'AWS::Events::ApiDestination'))).toEqual([]);
      expect(Object.keys(resourcesOf(plain.statelessTemplate, 'AWS::Events::Connection'))).toEqual([]);
      expect(JSON.stringify(plain.statelessTemplate.toJSON())).not.toContain('session-expiry notifications');
    } finally {
      plain.cleanup();
    }
  });
});
