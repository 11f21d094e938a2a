// The wiring: the functions' environment is validated once and a missing or bad variable fails with
// its name; injected dependencies replace the AWS ones.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../contract/app-config';
import { type HandlerDeps, buildAwsDeps, getDeps, initOnLambda, loadEnv, resetDeps, setDeps, settingsFromEnv } from '../../lambdas/wiring';

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
  TASK_MARKER: 'se-SessionExpiryStateless-1a2b3c4d',
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

  it.each(['SESSIONS_TABLE_NAME', 'CLUSTER_ARN', 'TASK_SUBNET_IDS', 'TASK_MARKER', 'PROFILES_JSON', 'EXPIRE_FUNCTION_ARN', 'SESSION_API_URL', 'JWT_ISSUER'])(
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

  it.each(['session.expiry', `se-${'x'.repeat(34)}`])('refuses a TASK_MARKER ECS would refuse as startedBy: %s', (marker) => {
    expect(() => loadEnv({ ...validEnv(), TASK_MARKER: marker })).toThrow(/TASK_MARKER must be 1 to 36 letters/);
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
      taskMarker: 'se-SessionExpiryStateless-1a2b3c4d',
    });
  });

  it('builds the AWS adapters from the environment without calling AWS', () => {
    const deps = buildAwsDeps(loadEnv(validEnv()));

    expect(Object.keys(deps.profiles)).toEqual(['demo']);
    expect(deps.settings).toMatchObject({ apiUrl: 'https://api.example.test', orphanGraceSeconds: 120, stuckAfterSeconds: 600 });
    expect(deps.adminGroup).toBe('session-admins');
    expect(deps.taskMarker).toBe('se-SessionExpiryStateless-1a2b3c4d');
  });

  it('returns injected dependencies instead of building AWS ones', () => {
    const injected = { adminGroup: 'injected' } as HandlerDeps;
    setDeps(injected);

    expect(getDeps()).toBe(injected);
  });

  it('fails the Lambda cold start naming a missing variable, and does nothing outside Lambda', () => {
    const savedTable = process.env['SESSIONS_TABLE_NAME'];
    delete process.env['SESSIONS_TABLE_NAME'];
    try {
      expect(() => initOnLambda({ AWS_LAMBDA_FUNCTION_NAME: 'session-expiry-api' })).toThrow('SESSIONS_TABLE_NAME');
      expect(() => initOnLambda({})).not.toThrow();
    } finally {
      if (savedTable !== undefined) process.env['SESSIONS_TABLE_NAME'] = savedTable;
    }
  });
});
