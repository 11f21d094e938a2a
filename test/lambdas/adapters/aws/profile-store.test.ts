// The profile store over its SSM source and the real SDK client (its `send` mocked): every
// page of the path is read, a read (valid or not) is reused until it is older than the cache's max
// age, a failed read keeps the profiles read before, and with none it fails clearly.
import { GetParametersByPathCommand, type GetParametersByPathCommandOutput, SSMClient } from '@aws-sdk/client-ssm';
import * as ssmSdk from '../../../../lambdas/adapters/aws/sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../../contract/app-config';
import { PROFILE_CACHE_SECONDS, ParameterProfileStore, ssmParameterSource } from '../../../../lambdas/adapters/aws/profile-store';
import { UnavailableError } from '../../../../lambdas/domain/errors';
import { parseDeployedProfiles } from '../../../../lambdas/profile-config';
import { RecordingLog } from '../../../support/fakes';
import { caught } from '../../../support/thrown';

const PATH = '/SessionExpiryStateless/profiles';

const profileDocument = (name: string, overrides: Record<string, unknown> = {}): string =>
  JSON.stringify({
    description: `the ${name} workspace`,
    taskDefinitionArn: `arn:aws:ecs:eu-west-1:123456789012:task-definition/${name}:1`,
    containerName: 'session',
    idleTimeoutSeconds: { default: 900, min: 60, max: 3600 },
    maxLifetimeSeconds: { default: 28_800, min: 600, max: 86_400 },
    ...overrides,
  });

const page = (names: string[], nextToken?: string): GetParametersByPathCommandOutput => ({
  $metadata: {},
  Parameters: names.map((name) => ({ Name: `${PATH}/${name}`, Type: 'String', Value: profileDocument(name) })),
  ...(nextToken !== undefined && { NextToken: nextToken }),
});

describe('ParameterProfileStore', () => {
  const ssm = mockClient(SSMClient);
  let log: RecordingLog;
  let store: ParameterProfileStore;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    log = new RecordingLog();
    store = new ParameterProfileStore(() => ssmParameterSource(new SSMClient({ region: 'eu-west-1' }), ssmSdk), { path: PATH, parse: parseDeployedProfiles, log });
  });
  afterEach(() => {
    ssm.reset();
    vi.useRealTimers();
  });
  afterAll(() => ssm.restore());

  const reads = () => ssm.commandCalls(GetParametersByPathCommand).length;
  const afterMaxAge = () => vi.setSystemTime(Date.now() + (PROFILE_CACHE_SECONDS + 1) * 1000);

  it('reads every page under the path, and only under it', async () => {
    ssm.on(GetParametersByPathCommand, { Path: PATH, NextToken: undefined }).resolves(page(['alpha', 'beta'], 'more'));
    ssm.on(GetParametersByPathCommand, { Path: PATH, NextToken: 'more' }).resolves(page(['gamma']));

    expect(await store.profileNamed('gamma')).toMatchObject({ name: 'gamma', description: 'the gamma workspace' });
    expect(await store.targetOf('alpha')).toEqual({ taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/alpha:1', containerName: 'session' });
    expect(await store.profileNamed('constructor')).toBeUndefined();
    expect(ssm.commandCalls(GetParametersByPathCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({ Path: PATH, WithDecryption: false }),
      expect.objectContaining({ Path: PATH, NextToken: 'more' }),
    ]);
    expect(ssm.commandCalls(GetParametersByPathCommand).every((c) => c.args[0].input.Recursive !== true)).toBe(true);
  });

  it('parses with a parser loaded on first use (async, as the api gives it), and answers for its failure as for a sync one', async () => {
    ssm.on(GetParametersByPathCommand).resolves(page(['alpha']));
    const lazy = (parse: typeof parseDeployedProfiles) =>
      new ParameterProfileStore(() => ssmParameterSource(new SSMClient({ region: 'eu-west-1' }), ssmSdk), {
        path: PATH,
        parse: async (documents, source) => {
          await Promise.resolve();
          return parse(documents, source);
        },
        log,
      });
    expect(await lazy(parseDeployedProfiles).profileNamed('alpha')).toMatchObject({ name: 'alpha' });
    const failing = lazy(() => {
      throw new ConfigError('invalid profiles: alpha.image is missing');
    });
    await expect(failing.profileNamed('alpha')).rejects.toThrow('alpha.image is missing');
    expect(log.at('error')).toContain('the deployed profiles are not valid');
  });

  it('reuses a read until it is older than the cache max age, then sees what changed', async () => {
    ssm.on(GetParametersByPathCommand).resolves(page(['alpha']));
    await store.profileNamed('alpha');
    ssm.on(GetParametersByPathCommand).resolves(page(['alpha', 'beta']));

    vi.setSystemTime(Date.now() + (PROFILE_CACHE_SECONDS - 1) * 1000);
    expect(await store.profileNamed('beta')).toBeUndefined();
    expect(await store.targetOf('alpha')).toBeDefined();
    expect(reads()).toBe(1);

    vi.setSystemTime(Date.now() + 2000);
    expect(await store.profileNamed('beta')).toMatchObject({ name: 'beta' });
    expect(reads()).toBe(2);
  });

  it('fails with UnavailableError, and logs why, when the store cannot be read and nothing was read before', async () => {
    ssm.on(GetParametersByPathCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    const error = await caught(store.profileNamed('alpha'));

    expect(error).toBeInstanceOf(UnavailableError);
    expect(log.entries).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'the profiles could not be read', extra: expect.objectContaining({ path: PATH, error: expect.stringContaining('ThrottlingException: Rate exceeded') as unknown }) as unknown }),
    );
  });

  it('makes its provider on the first read, once, and again after making it failed', async () => {
    ssm.on(GetParametersByPathCommand).resolves(page(['alpha']));
    let made = 0;
    const lazy = new ParameterProfileStore(
      () => {
        made += 1;
        if (made === 1) throw new Error('no region');
        return ssmParameterSource(new SSMClient({ region: 'eu-west-1' }), ssmSdk);
      },
      { path: PATH, parse: parseDeployedProfiles, log },
    );
    expect(made).toBe(0);

    expect(await caught(lazy.profileNamed('alpha'))).toBeInstanceOf(UnavailableError);
    expect(await lazy.profileNamed('alpha')).toMatchObject({ name: 'alpha' });
    afterMaxAge();
    await lazy.targetOf('alpha');
    expect(made).toBe(2);
    expect(reads()).toBe(2);
  });

  it('keeps the profiles read before when a later read fails, with a warning', async () => {
    ssm.on(GetParametersByPathCommand).resolves(page(['alpha']));
    await store.profileNamed('alpha');
    ssm.on(GetParametersByPathCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    afterMaxAge();

    expect(await store.profileNamed('alpha')).toMatchObject({ name: 'alpha' });
    expect(reads()).toBe(2);
    expect(log.entries).toContainEqual(expect.objectContaining({ level: 'warn', message: 'the profiles could not be read again; using the ones read before' }));
  });

  it('fails with ConfigError naming the parameter when a document is not JSON, or no parameter is there', async () => {
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [{ Name: `${PATH}/alpha`, Type: 'String', Value: '{"idleTimeoutSeconds":' }] });
    const notJson = await caught(store.profileNamed('alpha'));
    expect(notJson).toBeInstanceOf(ConfigError);
    expect(String(notJson)).toContain(`${PATH}/alpha must be JSON`);

    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
    afterMaxAge();
    const empty = await caught(store.profileNamed('alpha'));
    expect(empty).toBeInstanceOf(ConfigError);
    expect(String(empty)).toContain(`no parameter under ${PATH}`);
    expect(log.entries.filter((e) => e.level === 'error').map((e) => e.message)).toEqual(['the deployed profiles are not valid', 'the deployed profiles are not valid']);
  });

  it('does not read documents that are not valid again before the cache max age, and sees their fix after it', async () => {
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [{ Name: `${PATH}/alpha`, Value: '{' }] });
    expect(await caught(store.profileNamed('alpha'))).toBeInstanceOf(ConfigError);
    expect(await caught(store.targetOf('alpha'))).toBeInstanceOf(ConfigError);
    expect(reads()).toBe(1);

    ssm.on(GetParametersByPathCommand).resolves(page(['alpha']));
    afterMaxAge();
    expect(await store.profileNamed('alpha')).toMatchObject({ name: 'alpha' });
    expect(reads()).toBe(2);
  });

  it('accepts exactly the profiles the configuration accepts, naming the document and key of each problem', async () => {
    ssm.on(GetParametersByPathCommand).resolves({
      Parameters: [
        { Name: `${PATH}/alpha`, Value: profileDocument('alpha', { activeWithinSeconds: 900, idleWithinSeconds: 600 }) },
        { Name: `${PATH}/beta`, Value: profileDocument('beta', { taskDefinitionArn: undefined, image: 'busybox' }) },
        { Name: `${PATH}/gamma`, Value: profileDocument('gamma', { cpu: 'lots' }) },
        { Name: `${PATH}/delta`, Value: profileDocument('delta', { colour: 'blue' }) },
      ],
    });

    const error = await caught(store.profileNamed('alpha'));

    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toContain(`${PATH}/alpha.activeWithinSeconds activeWithinSeconds must be less than idleWithinSeconds`);
    expect(String(error)).toContain(`${PATH}/gamma.cpu must be a number`);
    expect(String(error)).toContain(`${PATH}/delta.colour is not a known key`);
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [{ Name: `${PATH}/beta`, Value: profileDocument('beta', { taskDefinitionArn: undefined, image: 'busybox' }) }] });
    afterMaxAge();
    expect(String(await caught(store.profileNamed('beta')))).toContain(`${PATH}/beta.taskDefinitionArn is missing`);
  });
});
