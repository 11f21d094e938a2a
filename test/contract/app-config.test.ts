// The one validated configuration (README "Configuration"): the shipped cdk.json parses, and every bad
// key fails with a message naming it as `sessionExpiry.<path>`, so synth and local start fail fast.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../contract/app-config';
import { profilesOf, profilesRunLocallyOf } from '../../lambdas/profile-config';
import { effectiveTimeouts } from '../../lambdas/domain/profile';

const cdkJson = JSON.parse(readFileSync(join(import.meta.dirname, '../../cdk.json'), 'utf8')) as {
  context: { sessionExpiry: unknown };
};

type Raw = Record<string, unknown> & { profiles: Record<string, Record<string, unknown>> };

/** The smallest valid config: one profile with its two required timeout bounds. */
const minimal = (): Raw => ({
  profiles: {
    demo: {
      image: 'public.ecr.aws/docker/library/busybox:stable',
      idleTimeoutSeconds: { default: 900, min: 60, max: 3600 },
      maxLifetimeSeconds: { default: 28800, min: 600, max: 86400 },
    },
  },
});

const demo = (raw: Raw): Record<string, unknown> => raw.profiles.demo ?? {};

/** The ConfigError message parseConfig throws for `raw`; fails the test if it parses. */
const configErrorOf = (raw: unknown): string => {
  try {
    parseConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError, but the config parsed');
};

describe('parseConfig', () => {
  it('accepts the shipped cdk.json context', () => {
    const config = parseConfig(cdkJson.context.sessionExpiry);

    expect(config.deadlineShards).toBe(4);
    expect(config.sweepIntervalMinutes).toBe(5);
    expect(Object.keys(config.profiles)).toEqual(['demo', 'busy-demo']);
    expect(config.profiles.demo).toMatchObject({ containerName: 'session', stopTimeoutSeconds: 10 });
  });

  it('turns the shipped demo profile into a domain profile whose defaults are within bounds', () => {
    const profiles = profilesOf(parseConfig(cdkJson.context.sessionExpiry));

    expect(profiles.demo).toMatchObject({ name: 'demo', disconnectGraceSeconds: 600, warnBeforeSeconds: 60 });
    expect(effectiveTimeouts(profiles.demo ?? expect.fail('no demo profile'))).toMatchObject({
      idleTimeoutSeconds: 900,
      maxLifetimeSeconds: 28800,
    });
  });

  it('fills the defaults of everything optional', () => {
    const config = parseConfig(minimal());

    expect(config).toMatchObject({
      sweepIntervalMinutes: 5,
      deadlineShards: 4,
      retentionDays: 30,
      adminGroup: 'session-admins',
      auth: {},
      cluster: { assignPublicIp: false },
      alarms: { cpuWarningPercent: 80, cpuCriticalPercent: 90, diskWarningPercent: 80, diskCriticalPercent: 90, activity4xxRatePercent: 10 },
      api: { throttle: { rateLimit: 50, burstLimit: 100 }, activityThrottle: { rateLimit: 200, burstLimit: 400 } },
    });
    expect(config.profiles.demo).toMatchObject({
      containerName: 'session',
      cpu: 256,
      memoryMiB: 512,
      stopTimeoutSeconds: 30,
      activeWithinSeconds: 120,
      idleWithinSeconds: 600,
      maxSessionsPerOwner: 5,
    });
  });

  it('takes the activity routes\' throttle apart from the rest, each defaulted on its own', () => {
    const raw = { ...minimal(), api: { activityThrottle: { rateLimit: 500, burstLimit: 1000 } } };

    expect(parseConfig(raw).api).toEqual({ throttle: { rateLimit: 50, burstLimit: 100 }, activityThrottle: { rateLimit: 500, burstLimit: 1000 } });
  });

  it('runs 5 starters at once unless told, and only as many as an SQS event source allows (2 to 1000)', () => {
    expect(parseConfig(minimal()).starterConcurrency).toBe(5);
    expect(parseConfig({ ...minimal(), starterConcurrency: 2 }).starterConcurrency).toBe(2);
    for (const bad of [1, 1001, 2.5]) expect(() => parseConfig({ ...minimal(), starterConcurrency: bad })).toThrow(/sessionExpiry\.starterConcurrency: /);
  });

  it('accepts an external issuer together with its audience', () => {
    const raw = { ...minimal(), auth: { issuer: 'https://login.example.com/', audience: ['sessions'] } };

    expect(parseConfig(raw).auth).toEqual({ issuer: 'https://login.example.com/', audience: ['sessions'] });
  });

  it.each<[string, (raw: Raw) => void]>([
    ['profiles.demo.idleTimeoutSeconds', (r) => void (demo(r).idleTimeoutSeconds = { default: 900, min: 1000, max: 3600 })],
    ['profiles.demo.maxLifetimeSeconds', (r) => void (demo(r).maxLifetimeSeconds = { default: 90000, min: 600, max: 86400 })],
    ['profiles.demo.idleTimeoutSeconds.default', (r) => void (demo(r).idleTimeoutSeconds = { default: 0, min: 1, max: 10 })],
    ['profiles.demo.cpu', (r) => void (demo(r).cpu = -256)],
    ['profiles.demo.memoryMiB', (r) => void (demo(r).memoryMiB = 'lots')],
    ['profiles.demo.stopTimeoutSeconds', (r) => void (demo(r).stopTimeoutSeconds = 1)],
    ['profiles.demo.activeWithinSeconds', (r) => void Object.assign(demo(r), { activeWithinSeconds: 600, idleWithinSeconds: 600 })],
    ['profiles.demo.local.command', (r) => void (demo(r).local = { command: [] })],
    ['profiles.demo.local.env.1PASSWORD', (r) => void (demo(r).local = { command: ['sh'], env: { '1PASSWORD': 'x' } })],
    ['profiles.demo.local.env.MY-VAR', (r) => void (demo(r).local = { command: ['sh'], env: { 'MY-VAR': 'x' } })],
    ['profiles.demo.local.env.SESSION_ID', (r) => void (demo(r).local = { command: ['sh'], env: { SESSION_ID: 'mine' } })],
    ['profiles.demo.local.env.DEMO_PING_SECONDS', (r) => void (demo(r).local = { command: ['sh'], env: { DEMO_PING_SECONDS: 5 } })],
    ['profiles.demo.local.env.NUL', (r) => void (demo(r).local = { command: ['sh'], env: { NUL: 'a\0b' } })],
    ['profiles.demo.local.passEnv', (r) => void (demo(r).local = { command: ['sh'], passEnv: ['HOME'] })],
    ['profiles.demo.idleTimeout', (r) => void (demo(r).idleTimeout = 900)],
    ['sweepIntervalMinute', (r) => void (r.sweepIntervalMinute = 5)],
    ['profiles.Demo_1', (r) => void (r.profiles = { Demo_1: demo(r) })],
    ['profiles', (r) => void (r.profiles = {})],
    ['deadlineShards', (r) => void (r.deadlineShards = 0)],
    ['retentionDays', (r) => void (r.retentionDays = 1.5)],
    ['alarms.cpuWarningPercent', (r) => void (r.alarms = { cpuWarningPercent: 150 })],
    ['alarms.email', (r) => void (r.alarms = { email: 'not-an-address' })],
    ['auth', (r) => void (r.auth = { issuer: 'https://login.example.com/' })],
    ['auth', (r) => void (r.auth = { audience: ['sessions'] })],
    ['cluster.assignPublicIp', (r) => void (r.cluster = { assignPublicIp: 'yes' })],
    ['api.activityThrottle.rateLimit', (r) => void (r.api = { activityThrottle: { rateLimit: 0, burstLimit: 10 } })],
    ['api.activityThrottle.burstLimit', (r) => void (r.api = { activityThrottle: { rateLimit: 10, burstLimit: 2.5 } })],
    ['api.activityThrottle', (r) => void (r.api = { activityThrottle: { rateLimit: 200, burstLimit: 10 } })],
    ['api.throttle.rateLimit', (r) => void (r.api = { throttle: { burstLimit: 100 } })],
    ['api.heartbeatThrottle', (r) => void (r.api = { heartbeatThrottle: { rateLimit: 1, burstLimit: 1 } })],
    ['alarms.activity4xxRatePercent', (r) => void (r.alarms = { activity4xxRatePercent: 101 })],
    ['alarms.diskWarningPercent', (r) => void (r.alarms = { diskWarningPercent: 0 })],
    ['alarms.diskCriticalPercent', (r) => void (r.alarms = { diskCriticalPercent: 101 })],
    ['alarms.diskWarningPercent', (r) => void (r.alarms = { diskWarningPercent: 95 })],
    ['alarms.memoryWarningPercent', (r) => void (r.alarms = { memoryWarningPercent: 85 })],
    ['alarms.cpuWarningPercent', (r) => void (r.alarms = { cpuWarningPercent: 70, cpuCriticalPercent: 60 })],
    ['profiles.demo.busy.cpuPercent', (r) => void (demo(r).busy = { cpuPercent: 0, windowSeconds: 60 })],
    ['profiles.demo.busy.cpuPercent', (r) => void (demo(r).busy = { cpuPercent: 150, windowSeconds: 60 })],
    ['profiles.demo.busy.windowSeconds', (r) => void (demo(r).busy = { cpuPercent: 50, windowSeconds: 0.5 })],
    ['profiles.demo.busy.maxSeconds', (r) => void (demo(r).busy = { cpuPercent: 50, windowSeconds: 60, maxSeconds: 0 })],
    ['profiles.demo.busy.unknownGraceSeconds', (r) => void (demo(r).busy = { cpuPercent: 50, windowSeconds: 60, unknownGraceSeconds: -1 })],
    ['profiles.demo.busy.cpu', (r) => void (demo(r).busy = { cpu: 50, cpuPercent: 50, windowSeconds: 60 })],
    ['profiles.demo.resourceWarningPercent', (r) => void (demo(r).resourceWarningPercent = 0)],
    ['profiles.demo.resourceWarningPercent', (r) => void (demo(r).resourceWarningPercent = 95.5)],
    ['profiles.demo.workspace.sizeGiB', (r) => void (demo(r).workspace = { ...{ sizeGiB: 20, mountPath: '/home/user/work', retentionDays: 30 }, sizeGiB: 16_385 })],
    ['profiles.demo.workspace.mountPath', (r) => void (demo(r).workspace = { ...{ sizeGiB: 20, mountPath: '/home/user/work', retentionDays: 30 }, mountPath: 'work' })],
    ['profiles.demo.workspace.mountPath', (r) => void (demo(r).workspace = { ...{ sizeGiB: 20, mountPath: '/home/user/work', retentionDays: 30 }, mountPath: '/home/../etc' })],
    ['profiles.demo.workspace.warnBeforeDays', (r) => void (demo(r).workspace = { ...{ sizeGiB: 20, mountPath: '/home/user/work', retentionDays: 30 }, warnBeforeDays: 30 })],
    ['profiles.demo.local.workspaceWarnBeforeSeconds', (r) =>
      void Object.assign(demo(r), { workspace: { sizeGiB: 20, mountPath: '/home/user/work', retentionDays: 30 }, local: { command: ['sh'], workspaceRetentionSeconds: 60, workspaceWarnBeforeSeconds: 60 } })],
  ])('names sessionExpiry.%s when it is wrong', (path, breakIt) => {
    const raw = minimal();
    breakIt(raw);

    const message = configErrorOf(raw);

    expect(message.split('\n')).toContainEqual(expect.stringMatching(new RegExp(`^\\s*sessionExpiry\\.${path.replace(/\./g, '\\.')}: `)));
  });

  it('says which level a crossed warning and critical threshold must be below', () => {
    const message = configErrorOf({ ...minimal(), alarms: { diskWarningPercent: 90, diskCriticalPercent: 85 } });

    expect(message).toBe('invalid configuration:\n  sessionExpiry.alarms.diskWarningPercent: must be below diskCriticalPercent (90 is not below 85)');
  });

  it("takes a profile's local.env as literal values under environment variable names", () => {
    const raw = minimal();
    demo(raw).local = { command: ['node', 'bin/demo-session.mjs'], env: { DEMO_PING_SECONDS: '5', _Work_Dir2: '/tmp/w', EMPTY: '' } };

    expect(parseConfig(raw).profiles.demo?.local).toEqual({
      command: ['node', 'bin/demo-session.mjs'],
      env: { DEMO_PING_SECONDS: '5', _Work_Dir2: '/tmp/w', EMPTY: '' },
    });
  });

  it('says why a local.env name is refused', () => {
    const withEnv = (env: Record<string, string>): Raw => {
      const raw = minimal();
      demo(raw).local = { command: ['sh'], env };
      return raw;
    };

    expect(configErrorOf(withEnv({ 'MY-VAR': 'x' }))).toMatch(/local\.env\.MY-VAR: environment variable names are letters, digits and underscores/);
    expect(configErrorOf(withEnv({ SESSION_API_URL: 'x' }))).toMatch(/local\.env\.SESSION_API_URL: is set by the stack for every session/);
  });

  it("takes a profile's workspace into the domain profile in seconds, and locally the seconds it gives", () => {
    const raw = minimal();
    Object.assign(demo(raw), {
      workspace: { sizeGiB: 20, mountPath: '/home/user/work', retentionDays: 30, warnBeforeDays: 2 },
      local: { command: ['sh'], workspaceRetentionSeconds: 60 },
    });
    const config = parseConfig(raw);

    expect(profilesOf(config).demo?.workspace).toEqual({ sizeGiB: 20, mountPath: '/home/user/work', retentionSeconds: 30 * 86_400, warnBeforeSeconds: 2 * 86_400 });
    // Retention in seconds with no warning in seconds: the days' warning would come before the retention began.
    expect(profilesRunLocallyOf(config).demo?.workspace).toEqual({ sizeGiB: 20, mountPath: '/home/user/work', retentionSeconds: 60 });
  });

  it("takes a profile's scheduled stop into the domain profile and each session's snapshot", () => {
    const raw = minimal();
    demo(raw).scheduledStop = { cron: '0 20 * * *', timezone: 'Europe/Zurich' };

    const profile = profilesOf(parseConfig(raw)).demo ?? expect.fail('no demo profile');

    expect(effectiveTimeouts(profile).scheduledStop).toEqual({ cron: '0 20 * * *', timezone: 'Europe/Zurich' });
  });

  it("takes a profile's busy policy and resource threshold into each session's snapshot, defaulted", () => {
    const raw = minimal();
    demo(raw).busy = { cpuPercent: 12.5, windowSeconds: 60, maxSeconds: 7200 };

    const timeouts = effectiveTimeouts(profilesOf(parseConfig(raw)).demo ?? expect.fail('no demo profile'));

    expect(timeouts.busy).toEqual({ cpuPercent: 12.5, windowSeconds: 60, maxSeconds: 7200, unknownGraceSeconds: 300 });
    expect(timeouts.resourceWarningPercent).toBe(90);
    expect(effectiveTimeouts(profilesOf(parseConfig(minimal())).demo ?? expect.fail('no demo profile')).busy).toBeUndefined();
  });

  it('refuses a scheduled stop with a bad cron expression or an unknown time zone, naming the key', () => {
    const raw = minimal();
    demo(raw).scheduledStop = { cron: '0 20 * *', timezone: 'Europe/Zurch' };

    const message = configErrorOf(raw);

    expect(message).toMatch(/sessionExpiry\.profiles\.demo\.scheduledStop\.cron: not a usable cron expression: needs five fields/);
    expect(message).toMatch(/sessionExpiry\.profiles\.demo\.scheduledStop\.timezone: not a known IANA time zone/);
  });

  it('names the missing profiles when there is no config at all', () => {
    expect(configErrorOf(undefined)).toMatch(/^\s*sessionExpiry\.profiles: /m);
  });

  it('reports every bad key at once', () => {
    const raw = { ...minimal(), deadlineShards: 0, retentionDays: -1, colour: 'blue' };

    const message = configErrorOf(raw);

    expect(message).toMatch(/^\s*sessionExpiry\.deadlineShards: /m);
    expect(message).toMatch(/^\s*sessionExpiry\.retentionDays: /m);
    expect(message).toMatch(/^\s*sessionExpiry\.colour: is not a known key$/m);
  });

  it('names every unknown key of an object, not only the first', () => {
    const raw = minimal();
    Object.assign(demo(raw), { idleTimeout: 900, colour: 'blue' });

    expect(configErrorOf(raw)).toBe(
      'invalid configuration:\n  sessionExpiry.profiles.demo.idleTimeout: is not a known key\n  sessionExpiry.profiles.demo.colour: is not a known key',
    );
  });

  it('refuses an array where an object is expected', () => {
    const raw = { ...minimal(), alarms: [] };
    demo(raw).local = { command: ['sh'], env: [] };

    const message = configErrorOf(raw);

    expect(message).toMatch(/^\s*sessionExpiry\.profiles\.demo\.local\.env: must be an object$/m);
    expect(message).toMatch(/^\s*sessionExpiry\.alarms: must be an object$/m);
  });

  it('says what is missing and what a value must be, never echoing the value', () => {
    const raw = { ...minimal(), deadlineShards: 0, cluster: { assignPublicIp: 'yes' } };
    demo(raw).idleTimeoutSeconds = { default: 900, min: 60 };

    expect(configErrorOf(raw)).toBe(
      [
        'invalid configuration:',
        '  sessionExpiry.profiles.demo.idleTimeoutSeconds.max: is missing',
        '  sessionExpiry.deadlineShards: must be at least 1',
        '  sessionExpiry.cluster.assignPublicIp: must be true or false',
      ].join('\n'),
    );
  });

  it('says why a profile name is bad', () => {
    const raw = { profiles: { 'My Profile': demo(minimal()) } };

    expect(configErrorOf(raw)).toMatch(/sessionExpiry\.profiles\.My Profile: profile names are lower-case, digits and dashes/);
  });

  it('uses the given root in key paths', () => {
    expect(() => parseConfig({ profiles: {} }, 'context.custom')).toThrow(/context\.custom\.profiles: /);
  });
  describe('notifications', () => {
    it('accepts an https webhook, a loopback http webhook and e-mail addresses', () => {
      expect(parseConfig({ ...minimal(), notifications: { webhookUrl: 'https://hooks.example.com/x', emails: ['ops@example.com'] } }).notifications).toEqual({
        webhookUrl: 'https://hooks.example.com/x',
        emails: ['ops@example.com'],
      });
      expect(parseConfig({ ...minimal(), notifications: { webhookUrl: 'http://127.0.0.1:8080/hook' } }).notifications.webhookUrl).toBe('http://127.0.0.1:8080/hook');
      expect(parseConfig(minimal()).notifications).toEqual({});
    });

    it('refuses plain http to a non-loopback host and bad addresses, naming the key', () => {
      expect(configErrorOf({ ...minimal(), notifications: { webhookUrl: 'http://hooks.example.com/x' } })).toMatch(/sessionExpiry\.notifications\.webhookUrl: must be an https URL/);
      expect(configErrorOf({ ...minimal(), notifications: { emails: ['not-an-address'] } })).toMatch(/sessionExpiry\.notifications\.emails\.0: /);
      expect(configErrorOf({ ...minimal(), notifications: { webhookUrl: 'not a url' } })).toBe('invalid configuration:\n  sessionExpiry.notifications.webhookUrl: must be a URL');
    });
  });
});
