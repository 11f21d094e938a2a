// The agent reads what the stack writes: a profile's agent settings (contract/profile-schema.ts
// agentEnvironment) come back as the agent's settings; and bad settings are one clear line each.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../contract/app-config';
import { agentEnvironment } from '../../contract/profile-schema';
import { settingsFrom } from '../../agent/settings';
import { testConfig } from '../support/local-stack';

const SESSION = { SESSION_ID: 's-1', SESSION_API_URL: 'http://127.0.0.1:3000' };

describe('the agent settings', () => {
  it('reads back the profile settings the stack gives it: hook, CPU allocation, memory, stop timeout', () => {
    const [profile] = Object.values(testConfig({ cpu: 512, memoryMiB: 1024, stopTimeoutSeconds: 7, agent: { hookCommand: ['sh', '-c', 'save "$SESSION_AGENT_EVENT"'] } }).profiles);
    if (profile === undefined) throw new Error('no profile');

    const settings = settingsFrom({ ...SESSION, SESSION_ACTIVITY_TOKEN: 'tok', ...agentEnvironment(profile) });

    expect(settings).toMatchObject({
      credential: { kind: 'token', token: 'tok' },
      measurement: { kind: 'proc', procRoot: '/proc', cpus: 0.5, memoryMiB: 1024 },
      hookCommand: ['sh', '-c', 'save "$SESSION_AGENT_EVENT"'],
      stopTimeoutSeconds: 7,
    });
  });

  it('signs with the task role on ECS, measures through the task metadata endpoint and reports the disk of /', () => {
    const settings = settingsFrom({
      ...SESSION,
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x',
      AWS_REGION: 'eu-central-1',
      ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/abc',
    });

    expect(settings).toMatchObject({ credential: { kind: 'task-role', region: 'eu-central-1' }, measurement: { kind: 'ecs' }, diskPath: '/' });
  });

  it.each([
    [{ SESSION_ACTIVITY_TOKEN: 't', SESSION_AGENT_HOOK: 'save' }, 'SESSION_AGENT_HOOK must be a JSON array of non-empty strings'],
    [{ SESSION_ACTIVITY_TOKEN: 't', SESSION_AGENT_CPUS: '-1' }, 'SESSION_AGENT_CPUS must be a positive number (got "-1")'],
    [{ SESSION_ACTIVITY_TOKEN: 't', SESSION_AGENT_MEMORY_MIB: 'lots' }, 'SESSION_AGENT_MEMORY_MIB must be a positive number (got "lots")'],
    [{}, 'no credential: set SESSION_ACTIVITY_TOKEN'],
  ])('refuses %j with a message that names the variable', (env, message) => {
    expect(() => settingsFrom({ ...SESSION, ...env })).toThrow(message);
  });

  it('a profile takes only hookCommand and containerName under agent', () => {
    const base = testConfig().profiles['sleeper'];

    expect(() => parseConfig({ profiles: { p: { ...base, agent: { hookCommand: [] } } } })).toThrow(/agent\.hookCommand/);
    expect(() => parseConfig({ profiles: { p: { ...base, agent: { hook: ['x'] } } } })).toThrow(/agent/);
  });
});
