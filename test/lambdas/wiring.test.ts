// The wiring and the composition roots: the functions' environment is validated once and a missing
// or bad variable fails with its name; each handler's root builds only what that handler runs;
// injected dependencies replace the AWS ones; the api's and the starter's profiles are read from
// the stack's parameters (the SSM client mocked), on first use (the client made then, not at init),
// and a store that cannot be read answers 503; the api queues starts on the start queue and the
// starter runs them (the SQS client made on the first send, not at init).
import { ECSClient, ListTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import type * as SsmModule from '@aws-sdk/client-ssm';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type * as SqsModule from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../contract/app-config';
import { UnauthorizedError } from '../../lambdas/domain/errors';
import { handler as apiHandler } from '../../lambdas/handlers/api';
import { apiSetup, buildApiDeps } from '../../lambdas/roots/api-root';
import { buildExpireDeps, expireSetup } from '../../lambdas/roots/expire-root';
import { buildStarterDeps, starterSetup } from '../../lambdas/roots/starter-root';
import { buildSweepDeps, sweepSetup } from '../../lambdas/roots/sweep-root';
import { buildTaskEventDeps, taskEventSetup } from '../../lambdas/roots/task-event-root';
import { type HandlerDeps, initOnLambda, loadEnv, resetDeps, setDeps, settingsFromEnv } from '../../lambdas/wiring';
import { apiEvent, lambdaContext } from '../support/apigw-events';
import { captureOutput, logLines } from '../support/captured-output';

/** How many SSM clients were constructed: the SDK's own class, counting. */
const ssmClients = vi.hoisted(() => ({ made: 0 }));
vi.mock('@aws-sdk/client-ssm', async (importOriginal) => {
  const sdk = await importOriginal<typeof SsmModule>();
  class CountedSSMClient extends sdk.SSMClient {
    constructor(...args: ConstructorParameters<typeof sdk.SSMClient>) {
      super(...args);
      ssmClients.made += 1;
    }
  }
  return { ...sdk, SSMClient: CountedSSMClient };
});

/** How many SQS clients were constructed, the same way. */
const sqsClients = vi.hoisted(() => ({ made: 0 }));
vi.mock('@aws-sdk/client-sqs', async (importOriginal) => {
  const sdk = await importOriginal<typeof SqsModule>();
  class CountedSQSClient extends sdk.SQSClient {
    constructor(...args: ConstructorParameters<typeof sdk.SQSClient>) {
      super(...args);
      sqsClients.made += 1;
    }
  }
  return { ...sdk, SQSClient: CountedSQSClient };
});

const PROFILES = {
  demo: {
    taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/demo:3',
    containerName: 'session',
    idleTimeoutSeconds: { default: 900, min: 60, max: 3600 },
    maxLifetimeSeconds: { default: 28_800, min: 600, max: 86_400 },
  },
};
const PROFILES_PATH = '/SessionExpiryStateless/profiles';

const validEnv = (): Record<string, string> => ({
  SESSIONS_TABLE_NAME: 'sessions',
  IDEMPOTENCY_TABLE_NAME: 'idempotency',
  WORKSPACES_TABLE_NAME: 'workspaces',
  DEADLINE_SHARDS: '4',
  RETENTION_DAYS: '30',
  CLUSTER_ARN: 'arn:aws:ecs:eu-west-1:123456789012:cluster/sessions',
  TASK_SUBNET_IDS: 'subnet-a, subnet-b',
  TASK_SECURITY_GROUP_IDS: 'sg-1',
  TASK_ASSIGN_PUBLIC_IP: 'false',
  TASK_MARKER: 'se-SessionExpiryStateless-1a2b3c4d',
  PROFILES_PARAMETER_PATH: PROFILES_PATH,
  SCHEDULE_GROUP_NAME: 'session-expiry',
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/scheduler',
  EXPIRE_FUNCTION_ARN: 'arn:aws:lambda:eu-west-1:123456789012:function:expire',
  SCHEDULE_DLQ_ARN: 'arn:aws:sqs:eu-west-1:123456789012:schedule-dlq',
  EVENT_BUS_NAME: 'session-expiry',
  SESSION_API_URL: 'https://api.example.test',
  ORPHAN_GRACE_SECONDS: '120',
  STUCK_AFTER_SECONDS: '600',
  START_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/starts',
  START_TIMEOUT_SECONDS: '240',
  JWT_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
  JWT_AUDIENCE: 'client-1,client-2',
  JWT_JWKS_URL: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc/.well-known/jwks.json',
});

const without = (name: string): Record<string, string> => {
  const env = validEnv();
  delete env[name];
  return env;
};

const ssm = mockClient(SSMClient);
const ecs = mockClient(ECSClient);
const sqs = mockClient(SQSClient);

afterEach(() => {
  resetDeps();
  ssm.reset();
  ecs.reset();
  sqs.reset();
});
afterAll(() => {
  ssm.restore();
  ecs.restore();
  sqs.restore();
});

/** The store holding `documents` (profile name → parameter value) under the path. */
const storeHolds = (documents: Record<string, string>): void => {
  ssm.on(GetParametersByPathCommand, { Path: PROFILES_PATH }).resolves({
    Parameters: Object.entries(documents).map(([name, value]) => ({ Name: `${PROFILES_PATH}/${name}`, Type: 'String', Value: value })),
  });
};

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
    expect(env.PROFILES_PARAMETER_PATH).toBe(PROFILES_PATH);
  });

  it.each(['SESSIONS_TABLE_NAME', 'CLUSTER_ARN', 'TASK_SUBNET_IDS', 'TASK_MARKER', 'PROFILES_PARAMETER_PATH', 'EXPIRE_FUNCTION_ARN', 'SESSION_API_URL', 'JWT_ISSUER'])(
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

  it('wants a queue URL for the starts, and a start timeout ECS client tokens outlive', () => {
    expect(() => loadEnv({ ...validEnv(), START_QUEUE_URL: 'starts' })).toThrow(/START_QUEUE_URL must be a URL/);
    expect(() => loadEnv({ ...validEnv(), START_TIMEOUT_SECONDS: '90000' })).toThrow(/START_TIMEOUT_SECONDS must be a whole number from 10 to 86400/);
    expect(loadEnv(without('START_TIMEOUT_SECONDS')).START_TIMEOUT_SECONDS).toBe(300);
  });

  it('wants a parameter path for the profiles', () => {
    expect(() => loadEnv({ ...validEnv(), PROFILES_PARAMETER_PATH: 'profiles' })).toThrow(/PROFILES_PARAMETER_PATH must be a parameter path/);
  });
});

describe('dependencies', () => {
  it('reads the deployment settings (shared with the local stack) from the environment', () => {
    const settings = settingsFromEnv(loadEnv(validEnv()));

    expect(settings).not.toHaveProperty('profiles');
    expect(settings).toMatchObject({
      tables: { sessions: 'sessions', idempotency: 'idempotency' },
      deadlineShards: 4,
      retentionDays: 30,
      apiUrl: 'https://api.example.test',
      adminGroup: 'session-admins',
      taskMarker: 'se-SessionExpiryStateless-1a2b3c4d',
    });
  });

  it('builds the AWS adapters from the environment without calling AWS', () => {
    const deps = buildApiDeps(loadEnv(validEnv()));

    expect(ssm.calls()).toHaveLength(0);
    expect(deps.settings).toMatchObject({ apiUrl: 'https://api.example.test', orphanGraceSeconds: 120, stuckAfterSeconds: 600 });
    expect(deps.adminGroup).toBe('session-admins');
    expect(deps.taskMarker).toBe('se-SessionExpiryStateless-1a2b3c4d');
  });

  it('builds the workspaces (table and EBS) only where a profile has one: WORKSPACE_VOLUMES_ROLE_ARN is set', () => {
    const builders = [buildApiDeps, buildExpireDeps, buildSweepDeps, buildTaskEventDeps, buildStarterDeps];
    for (const build of builders) expect(build(loadEnv(validEnv())).workspaces).toBeUndefined();

    const withWorkspaces = loadEnv({ ...validEnv(), WORKSPACE_VOLUMES_ROLE_ARN: 'arn:aws:iam::123456789012:role/volumes' });
    for (const build of builders) expect(build(withWorkspaces).workspaces).toBeDefined();
    expect(() => loadEnv({ ...validEnv(), WORKSPACE_VOLUMES_ROLE_ARN: 'volumes' })).toThrow(/WORKSPACE_VOLUMES_ROLE_ARN must be an IAM role ARN/);
  });

  it('returns injected dependencies instead of building AWS ones, to every handler', () => {
    const injected = { adminGroup: 'injected' } as HandlerDeps;
    setDeps(injected);

    for (const setup of [apiSetup, expireSetup, sweepSetup, taskEventSetup, starterSetup]) expect(setup.deps()).toBe(injected);
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
    expect(Object.keys(buildTaskEventDeps(env())).sort()).toEqual(['clock', 'events', 'log', 'metrics', 'ownerSlots', 'scheduler', 'store', 'taskMarker']);
    expect(Object.keys(buildExpireDeps(env())).sort()).toEqual(['clock', 'events', 'log', 'metrics', 'ownerSlots', 'scheduler', 'store', 'tasks']);
    expect(Object.keys(buildSweepDeps(env())).sort()).toEqual(['clock', 'events', 'log', 'metrics', 'ownerSlots', 'scheduler', 'settings', 'store', 'tasks']);
    expect(Object.keys(buildApiDeps(env()))).toEqual(expect.arrayContaining(['idempotencyKeys', 'profiles', 'jwtVerifier', 'adminGroup', 'tasks', 'settings', 'startQueue']));
    expect(Object.keys(buildStarterDeps(env())).sort()).toEqual(['clock', 'events', 'log', 'metrics', 'ownerSlots', 'scheduler', 'settings', 'startQueue', 'store', 'tasks']);
  });

  it('give the api and the starter the start queue of START_QUEUE_URL and the start timeout of START_TIMEOUT_SECONDS', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    const request = { sessionId: '3f1c1a52-8c2e-4c0b-9f4e-2b8f0c6d7a11', activityToken: 't', attempt: 1 };

    for (const deps of [buildApiDeps(env()), buildStarterDeps(env())]) {
      expect(deps.settings.startTimeoutSeconds).toBe(240);
      await deps.startQueue?.enqueue(request);
    }

    expect(sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: validEnv()['START_QUEUE_URL'], MessageBody: JSON.stringify(request) },
      { QueueUrl: validEnv()['START_QUEUE_URL'], MessageBody: JSON.stringify(request) },
    ]);
  });

  it('give the api an ECS adapter that starts no task: it stops and lists them, and reads no profile for ECS', async () => {
    await expect(buildApiDeps(env()).tasks.start({ sessionId: '3f1c1a52-8c2e-4c0b-9f4e-2b8f0c6d7a11', ownerId: 'u', profile: 'demo', environment: {} })).rejects.toThrow(
      'the api starts no task',
    );
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
    expect(ssm.calls()).toHaveLength(0);
  });

  it("give the sweep the deployment's settings, as the api gets them", () => {
    expect(buildSweepDeps(env()).settings).toEqual(buildApiDeps(env()).settings);
  });

  it.each([
    ['api', buildApiDeps],
    ['expire', buildExpireDeps],
    ['sweep', buildSweepDeps],
  ] as const)("give %s an ECS adapter that lists by the deployment's TASK_MARKER and reads no profile", async (_name, build) => {
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });

    await build(env()).tasks.listManaged();

    expect(ecs.commandCalls(ListTasksCommand)[0]?.args[0].input).toMatchObject({ startedBy: 'se-SessionExpiryStateless-1a2b3c4d' });
    expect(ssm.calls()).toHaveLength(0);
  });

  it('make no SSM client while the api or the starter initializes: the profile store makes one on its first read (README "Performance")', async () => {
    storeHolds({ demo: JSON.stringify(PROFILES.demo) });
    const before = ssmClients.made;
    buildStarterDeps(env());
    const deps = buildApiDeps(env());

    expect(ssmClients.made - before).toBe(0);
    await deps.profiles.profileNamed('demo');
    await deps.profiles.profileNamed('demo');
    expect(ssmClients.made - before).toBe(1);
  });

  it.each([
    ['api', buildApiDeps],
    ['starter', buildStarterDeps],
  ] as const)('make no SQS client while the %s initializes: its start queue makes one on its first send, once (README "Performance")', async (_name, build) => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    const request = { sessionId: '3f1c1a52-8c2e-4c0b-9f4e-2b8f0c6d7a11', activityToken: 't', attempt: 1 };
    const before = sqsClients.made;
    const deps = build(env());

    expect(sqsClients.made - before).toBe(0);
    await deps.startQueue?.enqueue(request);
    await deps.startQueue?.enqueue(request, 5);
    expect(sqsClients.made - before).toBe(1);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(2);
  });

  it("give the api a verifier that rejects a malformed token (its remote key set is made on the first token)", async () => {
    const { jwtVerifier } = buildApiDeps(env());

    await expect(jwtVerifier.verify('not-a-jwt')).rejects.toBeInstanceOf(UnauthorizedError);
  });
});

describe('profiles from the parameter store', () => {
  const createSession = async (profile = 'demo') => {
    const output: string[] = [];
    const answer = await captureOutput(output, () =>
      apiHandler(apiEvent('POST /sessions', { body: { profile, idleTimeoutSeconds: 3601 } }), lambdaContext('session-expiry-api')),
    );
    return { answer, logs: logLines(output) };
  };

  it('reads every profile on first use, once for the api\'s use cases, and once for the starter\'s ECS', async () => {
    storeHolds({ demo: JSON.stringify(PROFILES.demo), notebook: JSON.stringify({ ...PROFILES.demo, taskDefinitionArn: 'notebook:7', containerName: 'nb' }) });
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/sessions/1' }] });
    const deps = buildApiDeps(loadEnv(validEnv()));
    const starter = buildStarterDeps(loadEnv(validEnv()));

    expect(await deps.profiles.profileNamed('demo')).toMatchObject({ name: 'demo', idleTimeoutSeconds: PROFILES.demo.idleTimeoutSeconds });
    expect(await deps.profiles.profileNamed('notebook')).toMatchObject({ name: 'notebook', maxSessionsPerOwner: 5 });
    expect(await deps.profiles.profileNamed('missing')).toBeUndefined();
    await starter.tasks.start({ sessionId: '3f1c1a52-8c2e-4c0b-9f4e-2b8f0c6d7a11', ownerId: 'user-1', profile: 'notebook', environment: {} });

    expect(ecs.commandCalls(RunTaskCommand)[0]?.args[0].input).toMatchObject({ taskDefinition: 'notebook:7', overrides: { containerOverrides: [expect.objectContaining({ name: 'nb' })] } });
    expect(ssm.commandCalls(GetParametersByPathCommand).map((c) => c.args[0].input)).toEqual([expect.objectContaining({ Path: PROFILES_PATH }), expect.objectContaining({ Path: PROFILES_PATH })]);
  });

  it("validates what the store holds with the configuration's profile schema: a request the profile does not allow is a 400", async () => {
    storeHolds({ demo: JSON.stringify(PROFILES.demo) });
    setDeps(buildApiDeps(loadEnv(validEnv())));

    const { answer } = await createSession();

    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { message: 'idleTimeoutSeconds must be a whole number from 60 to 3600' } });
  });

  it('answers 503 and logs why when the store cannot be read, with no stack trace in the answer', async () => {
    ssm.on(GetParametersByPathCommand).rejects(Object.assign(new Error('User is not authorized to perform: ssm:GetParametersByPath'), { name: 'AccessDeniedException' }));
    setDeps(buildApiDeps(loadEnv(validEnv())));

    const { answer, logs } = await createSession();

    expect(answer.statusCode).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ error: { code: 'unavailable', message: 'the service is temporarily unavailable; try again later' } });
    expect(answer.body).not.toMatch(/ssm|at .*\.ts/i);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'ERROR', message: 'the profiles could not be read', path: PROFILES_PATH, error: expect.stringContaining('AccessDeniedException') as unknown }),
    );
  });

  it('answers 500 and logs the bad document and key when a deployed profile is not valid', async () => {
    storeHolds({ demo: JSON.stringify({ ...PROFILES.demo, idleTimeoutSeconds: { default: 10, min: 60, max: 3600 } }) });
    setDeps(buildApiDeps(loadEnv(validEnv())));

    const { answer, logs } = await createSession();

    expect(answer.statusCode).toBe(500);
    expect(JSON.parse(answer.body)).toEqual({ error: { code: 'internal', message: 'internal error' } });
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'ERROR', message: 'the deployed profiles are not valid', error: expect.stringContaining(`${PROFILES_PATH}/demo.idleTimeoutSeconds`) as unknown }),
    );
  });
});
