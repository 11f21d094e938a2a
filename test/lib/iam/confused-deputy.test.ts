// Confused-deputy guards on the resource side, decided by an IAM policy simulator (README, "Least
// privilege"): AWS services act for us only on behalf of this stack's own resources. Scheduler may
// assume the session role only for schedules of this account's session group (and the sweep role
// only for the default group, where the sweep schedule lives); API Gateway and EventBridge may invoke
// a function only from this stack's API and task-state rule, never from the same service acting
// for another account or for another API or rule of ours.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleWithArn } from '../../support/iam/deployed-roles';
import { type PolicyDocument, decide } from '../../support/iam/simulator';
import { type SynthesizedFunctions, synthesizedFunctions } from '../../support/iam/synthesized-functions';
import { templateSchedules } from '../../support/template-wiring';
import { readCloudAssembly } from '../../support/cloud-assembly';
import { type SynthesizedApp, synthApp } from '../../support/synth-app';

const OTHER_ACCOUNT = '999999999999';

let synth: SynthesizedApp | undefined;
let deployed: SynthesizedFunctions | undefined;

beforeAll(() => {
  synth = synthApp();
  deployed = synthesizedFunctions(synth);
});
afterAll(() => synth?.cleanup());

const app = (): SynthesizedFunctions => {
  if (deployed === undefined) throw new Error('the app was not synthesized');
  return deployed;
};

/** An ARN with its account field replaced. */
const inAccount = (arn: string, account: string): string => arn.split(':').map((part, i) => (i === 4 ? account : part)).join(':');

/** What a service principal asks when it acts for a source resource: the two keys AWS sets for it. */
const onBehalfOf = (sourceArn: string) => ({ 'aws:SourceArn': sourceArn, 'aws:SourceAccount': sourceArn.split(':')[4] ?? '' });

describe('Scheduler may assume its roles only for our own schedule groups', () => {
  const { region, accountId, partition } = { region: 'eu-west-1', accountId: '123456789012', partition: 'aws' };
  const groupArn = (group: string, account = accountId) => `arn:${partition}:scheduler:${region}:${account}:schedule-group/${group}`;
  const assume = (roleArn: string, trustPolicy: PolicyDocument, context: Record<string, string>, principal = 'scheduler.amazonaws.com') =>
    decide({ principal }, { action: 'sts:AssumeRole', resource: roleArn, context }, trustPolicy);

  it('the session role: for the session group of this account only', async () => {
    const env = app().functions.api.environment;
    expect(app().resolver.env).toMatchObject({ region, accountId, partition });
    const role = roleWithArn(app().resolver, env['SCHEDULER_ROLE_ARN'] ?? '');
    const group = env['SCHEDULE_GROUP_NAME'] ?? '';
    expect(await assume(role.arn, role.trustPolicy, onBehalfOf(groupArn(group)))).toBe('Allowed');
    expect(await assume(role.arn, role.trustPolicy, onBehalfOf(groupArn(group, OTHER_ACCOUNT)))).not.toBe('Allowed');
    expect(await assume(role.arn, role.trustPolicy, onBehalfOf(groupArn('default')))).not.toBe('Allowed');
    expect(await assume(role.arn, role.trustPolicy, {})).not.toBe('Allowed');
    expect(await assume(role.arn, role.trustPolicy, onBehalfOf(groupArn(group)), 'events.amazonaws.com')).not.toBe('Allowed');
  });

  it('the sweep role: for the default group of this account only', async () => {
    const [sweep] = templateSchedules({ assembly: readCloudAssembly(synth?.outdir ?? ''), resolver: app().resolver });
    if (sweep === undefined) throw new Error('no sweep schedule');
    const role = roleWithArn(app().resolver, sweep.Target.RoleArn);
    const sessionGroup = app().functions.api.environment['SCHEDULE_GROUP_NAME'] ?? '';
    expect(await assume(role.arn, role.trustPolicy, onBehalfOf(groupArn('default')))).toBe('Allowed');
    expect(await assume(role.arn, role.trustPolicy, onBehalfOf(groupArn('default', OTHER_ACCOUNT)))).not.toBe('Allowed');
    expect(await assume(role.arn, role.trustPolicy, onBehalfOf(groupArn(sessionGroup)))).not.toBe('Allowed');
  });
});

interface LambdaPermission {
  logicalId: string;
  Principal: string;
  FunctionName: string;
  SourceArn?: string;
  SourceAccount?: string;
}

/** The statement Lambda adds to the function's resource policy for an AWS::Lambda::Permission. */
const statementOf = (p: LambdaPermission): PolicyDocument => ({
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: p.Principal },
      Action: 'lambda:InvokeFunction',
      Resource: p.FunctionName,
      ...((p.SourceArn !== undefined || p.SourceAccount !== undefined) && {
        Condition: {
          ...(p.SourceArn !== undefined && { ArnLike: { 'AWS:SourceArn': p.SourceArn } }),
          ...(p.SourceAccount !== undefined && { StringEquals: { 'AWS:SourceAccount': p.SourceAccount } }),
        },
      }),
    },
  ],
});

/** A concrete source the permission is meant for: API Gateway's stage and method filled in. */
const concreteSource = (sourceArn: string): string => sourceArn.replace('/*/*/', '/$default/GET/');

/** The same kind of source, of ours, that the permission is not for: another API, or another rule. */
const otherSourceOfOurs = (source: string): string => {
  const [prefix, resource = ''] = [source.slice(0, source.lastIndexOf(':') + 1), source.slice(source.lastIndexOf(':') + 1)];
  const parts = resource.split('/');
  if (source.includes(':execute-api:')) parts[0] = 'otherapi00';
  else parts[parts.length - 1] = 'someone-elses-rule';
  return prefix + parts.join('/');
};

describe('services may invoke our functions only on behalf of our own API and rule', () => {
  const permissions = (): LambdaPermission[] =>
    app()
      .resolver.resourcesOfType('AWS::Lambda::Permission')
      .map((found) => ({ logicalId: found.logicalId, ...(app().resolver.resolve(found.stackName, found.resource.Properties ?? {}) as Omit<LambdaPermission, 'logicalId'>) }));

  it('gives every invoke permission to a service principal with a source ARN of this account', () => {
    const all = permissions();
    expect(all.length).toBeGreaterThan(1);
    for (const p of all) {
      expect(p.Principal, p.logicalId).toMatch(/\.amazonaws\.com$/);
      expect(p.SourceArn?.split(':')[4], p.logicalId).toBe(app().resolver.env.accountId);
    }
  });

  it('allows the intended source and denies the same service for another account, API or rule', async () => {
    const wrong: string[] = [];
    for (const p of permissions()) {
      const policy = statementOf(p);
      const invoke = (source: string) => decide({ principal: p.Principal }, { action: 'lambda:InvokeFunction', resource: p.FunctionName, context: onBehalfOf(source) }, policy);
      const source = concreteSource(p.SourceArn ?? '');
      if ((await invoke(source)) !== 'Allowed') wrong.push(`${p.logicalId}: its own source ${source} is refused`);
      for (const other of [inAccount(source, OTHER_ACCOUNT), otherSourceOfOurs(source)]) {
        if ((await invoke(other)) === 'Allowed') wrong.push(`${p.logicalId}: ${other} may invoke`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
