// The wiring and the composition roots: the functions' environment is validated once and a missing
// or bad variable fails with its name; each handler's root builds only what that handler runs;
// injected dependencies replace the AWS ones.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../contract/app-config';
import { UnauthorizedError } from '../../lambdas/domain/errors';
import { apiSetup, buildApiDeps } from '../../lambdas/roots/api-root';
import { buildExpireDeps, expireSetup } from '../../lambdas/roots/expire-root';
import { buildSweepDeps, sweepSetup } from '../../lambdas/roots/sweep-root';
import { buildTaskEventDeps, taskEventSetup } from '../../lambdas/roots/task-event-root';
import { type HandlerDeps, initOnLambda, loadEnv, resetDeps, setDeps, settingsFromEnv } from '../../lambdas/wiring';

const PROFILES = {
  demo: {
    taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/demo:3',
    containerName: 'session',
    idleTimeoutSeconds: { default: 900, min: 60, max: 3600 },
    maxLifetimeSeconds: { default: 28_800, min: 600, max: 86_400 },
  },
};

const validEnv = (): Record<string, string> => ({
  SESSIONS_TABLE_NAME: 'sessions',
  IDEMPOTENCY_TABLE_NAME: 'idempotency',
  DEADLINE_SHARDS: '4',
  RETENTION_DAYS: '30',
  CLUSTER_ARN: 'arn:aws:ecs:eu-west-1:123456789012:cluster/sessions',
  TASK_SUBNET_IDS: 'subnet-a, subnet-b',
  TASK_SECURITY_GROUP_IDS: 'sg-1',
  TASK_ASSIGN_PUBLIC_IP: 'false',
  PROFILES_JSON: JSON.stringify(PROFILES),
  SCHEDULE_GROUP_NAME: 'session-expiry',
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/scheduler',
  EXPIRE_FUNCTION_ARN: 'arn:aws:lambda:eu-west-1:123456789012:function:expire',
  SCHEDULE_DLQ_ARN: 'arn:aws:sqs:eu-west-1:123456789012:schedule-dlq',
  EVENT_BUS_NAME: 'session-expiry',
  SESSION_API_URL: 'https://api.example.test',
  ORPHAN_GRACE_SECONDS: '120',
  STUCK_AFTER_SECONDS: '600',
  JWT_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
  JWT_AUDIENCE: 'client-1,client-2',
  JWT_JWKS_URL: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc/.well-known/jwks.json',
});

const without = (name: string): Record<string, string> => {
  const env = validEnv();
  delete env[name];
  return env;
};

afterEach(() => {
  resetDeps();
});

describe('loadEnv', () => {
  it('reads a complete environment', () => {
    const env = loadEnv(validEnv());

    expect(env).toMatchObject({
      DEADLINE_SHARDS: 4,
      TASK_SUBNET_IDS: ['subnet-a', 'subnet-b'],
      TASK_ASSIGN_PUBLIC_IP: false,
      JWT_AUDIENCE: ['client-1', 'client-2'],
      ADMIN_GROUP: 'session-admins',
    });
    expect(env.profiles['demo']).toMatchObject({ name: 'demo', maxSessionsPerOwner: 5, stopTimeoutSeconds: 30 });
    expect(env.ecsProfiles['demo']).toEqual({ taskDefinitionArn: PROFILES.demo.taskDefinitionArn, containerName: 'session' });
  });

  it.each(['SESSIONS_TABLE_NAME', 'CLUSTER_ARN', 'TASK_SUBNET_IDS', 'PROFILES_JSON', 'EXPIRE_FUNCTION_ARN', 'SESSION_API_URL', 'JWT_ISSUER'])(
    'fails naming %s when it is missing',
    (name) => {
      expect(() => loadEnv(without(name))).toThrow(ConfigError);
      expect(() => loadEnv(without(name))).toThrow(name);
    },
  );

  it('treats an empty variable as missing', () => {
    expect(() => loadEnv({ ...validEnv(), SCHEDULE_GROUP_NAME: '' })).toThrow(/SCHEDULE_GROUP_NAME is missing/);
  });

  it('names every bad variable at once', () => {
    const env = { ...without('EVENT_BUS_NAME'), DEADLINE_SHARDS: 'four', TASK_ASSIGN_PUBLIC_IP: 'yes' };

    expect(() => loadEnv(env)).toThrow(
      'invalid environment: DEADLINE_SHARDS must be a whole number from 1 to 32; TASK_ASSIGN_PUBLIC_IP must be true or false; EVENT_BUS_NAME is missing',
    );
  });

  it('names the profile key that is wrong in PROFILES_JSON', () => {
    const { taskDefinitionArn: _, ...noTask } = PROFILES.demo;
    const badBounds = { ...PROFILES.demo, idleTimeoutSeconds: { default: 10, min: 60, max: 3600 } };

    expect(() => loadEnv({ ...validEnv(), PROFILES_JSON: '{not json' })).toThrow(/PROFILES_JSON must be JSON/);
    expect(() => loadEnv({ ...validEnv(), PROFILES_JSON: JSON.stringify({ demo: noTask }) })).toThrow('PROFILES_JSON.demo.taskDefinitionArn');
    expect(() => loadEnv({ ...validEnv(), PROFILES_JSON: JSON.stringify({ demo: badBounds }) })).toThrow('PROFILES_JSON.demo.idleTimeoutSeconds');
  });
});

describe('dependencies', () => {
  it('reads the deployment settings (shared with the local stack) from the environment', () => {
    expect(settingsFromEnv(loadEnv(validEnv()))).toMatchObject({
      tables: { sessions: 'sessions', idempotency: 'idempotency' },
      deadlineShards: 4,
      retentionDays: 30,
      apiUrl: 'https://api.example.test',
      adminGroup: 'session-admins',
    });
  });

  it('builds the AWS adapters from the environment without calling AWS', () => {
    const deps = buildApiDeps(loadEnv(validEnv()));

    expect(Object.keys(deps.profiles)).toEqual(['demo']);
    expect(deps.settings).toMatchObject({ apiUrl: 'https://api.example.test', orphanGraceSeconds: 120, stuckAfterSeconds: 600 });
    expect(deps.adminGroup).toBe('session-admins');
  });

  it('returns injected dependencies instead of building AWS ones, to every handler', () => {
    const injected = { adminGroup: 'injected' } as HandlerDeps;
    setDeps(injected);

    for (const setup of [apiSetup, expireSetup, sweepSetup, taskEventSetup]) expect(setup.deps()).toBe(injected);
  });

  it('builds the dependencies from the process environment once, on first use', () => {
    const saved = { ...process.env };
    Object.assign(process.env, validEnv());
    try {
      const first = expireSetup.deps();

      expect(expireSetup.deps()).toBe(first);
      resetDeps();
      expect(expireSetup.deps()).not.toBe(first);
    } finally {
      for (const name of Object.keys(validEnv())) if (saved[name] === undefined) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });

  it('fails the Lambda cold start naming a missing variable, and does nothing outside Lambda', () => {
    const savedTable = process.env['SESSIONS_TABLE_NAME'];
    delete process.env['SESSIONS_TABLE_NAME'];
    try {
      expect(() => initOnLambda(apiSetup, { AWS_LAMBDA_FUNCTION_NAME: 'session-expiry-api' })).toThrow('SESSIONS_TABLE_NAME');
      expect(() => initOnLambda(apiSetup, {})).not.toThrow();
    } finally {
      if (savedTable !== undefined) process.env['SESSIONS_TABLE_NAME'] = savedTable;
    }
  });
});

describe('composition roots', () => {
  const env = () => loadEnv(validEnv());

  it("build only what their handler's use cases call (README \"Performance\")", () => {
    expect(Object.keys(buildTaskEventDeps(env())).sort()).toEqual(['clock', 'events', 'log', 'metrics', 'ownerSlots', 'scheduler', 'store']);
    expect(Object.keys(buildExpireDeps(env())).sort()).toEqual(['clock', 'events', 'log', 'metrics', 'ownerSlots', 'scheduler', 'store', 'tasks']);
    expect(Object.keys(buildSweepDeps(env())).sort()).toEqual(['clock', 'events', 'log', 'metrics', 'ownerSlots', 'scheduler', 'settings', 'store', 'tasks']);
    expect(Object.keys(buildApiDeps(env()))).toEqual(expect.arrayContaining(['idempotencyKeys', 'profiles', 'jwtVerifier', 'adminGroup', 'tasks', 'settings']));
  });

  it("give the sweep the deployment's settings, as the api gets them", () => {
    expect(buildSweepDeps(env()).settings).toEqual(buildApiDeps(env()).settings);
  });

  it("give the api a verifier that rejects a malformed token (its remote key set is made on the first token)", async () => {
    const { jwtVerifier } = buildApiDeps(env());

    await expect(jwtVerifier.verify('not-a-jwt')).rejects.toBeInstanceOf(UnauthorizedError);
  });
});
