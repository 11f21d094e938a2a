// The deployable artifact, exercised without AWS: the app is synthesized with esbuild bundling (as
// `cdk deploy` would), the tables are created in dynalite exactly as the stateful template declares
// them, and each function's bundle runs from its asset folder in a fresh Node process with only the
// environment its template gives it (intrinsics resolved to consistent fake names) plus what Lambda
// sets, its SDK pointed at dynalite and at local fakes of ECS, Scheduler, EventBridge, SSM and SQS.
//
// Every hop of the walk is taken from the templates, never from the code: the api function is the
// one the `POST /sessions` route integrates; the starter is whatever function the event source
// mapping of the queue the api sent the start to invokes, in its batches; the expire function is whatever the schedule that the
// api armed at runtime targets; the task-event function is the target of the rule whose pattern
// matches the event ECS would send; the sweep function is the target of the template's schedule,
// fed that schedule's input. So a wrong handler path, a missing variable, a table or index
// mismatch, a schedule aimed at the wrong function or role, or a rule that would never match fails
// here, as it would fail the deployment (README, "Architecture").
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { type AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchesEventPattern } from '../support/aws-fakes/event-pattern';
import { AwsServiceError, type RecordedCall } from '../support/aws-fakes/http-fake';
import { type FakeSchedule } from '../support/aws-fakes/scheduler';
import { type ApiEventOptions, apiEvent } from '../support/apigw-events';
import { type DeployedFunction, functionWithArn } from '../support/cloud-assembly';
import { type DeployedApp, startDeployedApp } from '../support/deployed-app';
import { callsTheirRolesRefuse } from '../support/iam/bundle-calls';
import { type Invocation, InvocationError } from '../support/lambda-runner';
import { type CreatedTable, createTable, tableFromTemplate } from '../support/template-tables';
import { type ApiRoute, attributesOf, eventRules, only, queueMappings, refsOf, roleWithArn, routeOf, templateSchedules } from '../support/template-wiring';
import { waitFor } from '../support/wait-for';
import { type SynthesizedApp, rawConfig, synthApp } from '../support/synth-app';

interface ApiAnswer {
  statusCode: number;
  body: string;
}

let synth: SynthesizedApp | undefined;
let deployed: DeployedApp | undefined;

beforeAll(async () => {
  // The demo profile alone: one task definition for the walk-through.
  synth = synthApp({ ...rawConfig(), profiles: { demo: rawConfig().profiles['demo'] } }, { bundling: true });
  deployed = await startDeployedApp(synth.outdir);
}, 120_000);

afterAll(async () => {
  await deployed?.stop();
  synth?.cleanup();
});

const app = (): DeployedApp => {
  if (deployed === undefined) throw new Error('the app was not deployed locally');
  return deployed;
};

const resultOf = <T>(invocation: Invocation | undefined): T => {
  if (invocation === undefined) throw new Error('nothing was invoked');
  return invocation.result as T;
};

/** A payload 2.0 event as API Gateway sends it once the route's JWT authorizer accepted the caller's token. */
const requestTo = (route: ApiRoute, owner: string, options: Pick<ApiEventOptions, 'body' | 'headers' | 'params'> & { admin?: boolean } = {}) => {
  const now = Math.floor(Date.now() / 1000);
  const { admin = false, ...event0 } = options;
  const claims =
    route.jwt === undefined
      ? null
      : {
          sub: owner,
          iss: route.jwt.issuer,
          aud: route.jwt.audience[0] ?? '',
          token_use: 'id',
          'cognito:username': owner,
          iat: String(now),
          exp: String(now + 3600),
          ...(admin && { 'cognito:groups': route.fn.environment['ADMIN_GROUP'] ?? '' }),
        };
  const event = apiEvent(route.routeKey, { ...event0, claims });
  return { ...event, requestContext: { ...event.requestContext, accountId: app().resolver.env.accountId, apiId: route.apiId, domainName: new URL(route.apiEndpoint).host } };
};

/** The route's function, after checking the integration hands it the payload version we send. */
const apiRoute = (routeKey: string): ApiRoute => {
  const route = routeOf(app(), routeKey);
  expect(route.integration).toEqual({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
  return route;
};

/** The table a function's variable names; it must be one the templates declare. */
const tableNamedBy = (fn: DeployedFunction, variable: string): CreatedTable => {
  const table = app().tables.find((t) => t.tableName === fn.environment[variable]);
  if (table === undefined) throw new Error(`${variable}=${fn.environment[variable]} names no table of the templates`);
  return table;
};

const sessionItem = async (fn: DeployedFunction, id: string): Promise<Record<string, unknown>> => {
  const table = tableNamedBy(fn, 'SESSIONS_TABLE_NAME');
  const key = { [table.keySchema[0]?.AttributeName ?? '']: id };
  const { Item } = await app().dynalite.doc.send(new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }));
  if (Item === undefined) throw new Error(`no session ${id} in ${table.tableName}`);
  return Item;
};

const inputsOf = (calls: readonly RecordedCall[], operation: string): Record<string, unknown>[] =>
  calls.filter((c) => c.operation === operation).map((c) => c.input);

/** EventBridge's delivery of an ECS event: exactly one rule must take it, and its one target answers. */
const deliverToOneRule = async (event: Record<string, unknown>): Promise<unknown> => {
  const { rules, invocations } = await app().deliver(event);
  const status = String((event['detail'] as Record<string, unknown> | undefined)?.['lastStatus']);
  expect(rules, `rules that take a ${status} task state change`).toHaveLength(1);
  expect(invocations, `targets invoked for a ${status} task state change`).toHaveLength(1);
  return resultOf(invocations[0]);
};

/** An API answer, with the function's log in the message when the status is not the expected one. */
const expectAnswer = (invocation: Invocation, status: number): ApiAnswer => {
  const answer = resultOf<ApiAnswer>(invocation);
  expect(answer.statusCode, `${answer.body}\n${invocation.log}`).toBe(status);
  return answer;
};

/** One poll of the start queue's mapping: every queued start is delivered to the starter, and none fails. */
const startQueued = async (options: { ignoreDelay?: boolean } = {}): Promise<void> => {
  const polls = await app().poll(options);
  expect(polls.map((p) => p.failed)).toEqual(polls.map(() => []));
};

const deadlinePassed = (expiresAt: string, what: string) =>
  waitFor(() => Date.now() > Date.parse(expiresAt) + 50, { timeoutMs: 5000, what });

describe('the deployed bundles', () => {
  it('walk two sessions from create to stopped, on the cluster, schedules, rule and tables the templates declare', async () => {
    const { ecs, scheduler, eventBridge } = app();
    const cluster = only(attributesOf(app(), 'AWS::ECS::Cluster', 'Arn'), 'cluster');
    const profile = Object.keys(rawConfig().profiles)[0] ?? '';
    const owner = `walker-${randomUUID().slice(0, 8)}`;
    const create = apiRoute('POST /sessions');
    // The activity route has no authorizer: the function verifies owner tokens itself, and must
    // accept exactly what the authorizer of the other routes accepts.
    expect({ issuer: create.fn.environment['JWT_ISSUER'], audience: create.fn.environment['JWT_AUDIENCE']?.split(',') }).toEqual(create.jwt);

    // 1. Two sessions created through the api bundle, idle timeout 1 s, so both are soon overdue.
    const created: { id: string; expiresAt: string; taskArn: string; schedule: FakeSchedule }[] = [];
    for (const idempotencyKey of [randomUUID(), randomUUID()]) {
      const invocation = await app().invoke(create.fn, requestTo(create, owner, { body: { profile, idleTimeoutSeconds: 1 }, headers: { 'idempotency-key': idempotencyKey } }));
      const answer = expectAnswer(invocation, 201);
      const { session } = JSON.parse(answer.body) as { session: { id: string; expiresAt: string } };
      expect((await sessionItem(create.fn, session.id))['status']).toBe('starting');

      // The api queued the start (README "Starting at the rate ECS allows") on the queue its
      // environment names; the template's event source mapping of that queue hands it to another
      // function, in small batches with partial failures, at a bounded concurrency.
      expect(app().invocations.at(-1)?.calls.filter((c) => c.service === 'ecs')).toEqual([]);
      const queueUrl = create.fn.environment['START_QUEUE_URL'] ?? '';
      expect(app().sqs.messages.get(queueUrl)?.map((m) => JSON.parse(m.body) as unknown)).toEqual([expect.objectContaining({ sessionId: session.id, attempt: 1 })]);
      const mapping = only(queueMappings(app()), 'event source mapping');
      expect(mapping).toMatchObject({ batchSize: 5, reportsBatchItemFailures: true, maximumConcurrency: 5, enabled: true });
      const polls = await app().poll();
      expect(polls.map((p) => ({ fn: p.fn.logicalId === create.fn.logicalId, failed: p.failed, result: p.invocation.result }))).toEqual([
        { fn: false, failed: [], result: { batchItemFailures: [] } },
      ]);
      expect(app().sqs.messages.get(queueUrl)).toEqual([]);

      // The starter's RunTask, with the template's cluster, task definition, subnets and security groups; the
      // task learns its session and the URL of the deployed API.
      const runTask = inputsOf(ecs.calls, 'RunTask').at(-1) ?? {};
      expect(runTask).toMatchObject({ cluster, taskDefinition: only(refsOf(app(), 'AWS::ECS::TaskDefinition'), 'task definition'), launchType: 'FARGATE', clientToken: session.id });
      const network = (runTask['networkConfiguration'] as { awsvpcConfiguration: { subnets: string[]; securityGroups: string[] } }).awsvpcConfiguration;
      expect(refsOf(app(), 'AWS::EC2::Subnet')).toEqual(expect.arrayContaining(network.subnets));
      expect(attributesOf(app(), 'AWS::EC2::SecurityGroup', 'GroupId')).toEqual(expect.arrayContaining(network.securityGroups));
      const task = [...ecs.tasks.values()].at(-1);
      expect(task?.overrides.containerOverrides[0]?.environment).toEqual(
        expect.arrayContaining([
          { name: 'SESSION_ID', value: session.id },
          { name: 'SESSION_API_URL', value: create.apiEndpoint },
        ]),
      );

      // CreateSchedule in the template's session group, aimed at another function of the template
      // through a role Scheduler may assume, dead-lettering into a queue of the template that the
      // role may write to; its input names the session and the schedule.
      const schedule = [...scheduler.schedules.values()].find((s) => s.Name.startsWith(session.id));
      if (task === undefined || schedule === undefined) throw new Error('create started no task or armed no schedule');
      expect(schedule.GroupName).toBe(only(refsOf(app(), 'AWS::Scheduler::ScheduleGroup'), 'schedule group'));
      expect(functionWithArn(app().assembly, app().resolver, schedule.Target.Arn).logicalId).not.toBe(create.fn.logicalId);
      const dlq = schedule.Target.DeadLetterConfig?.Arn ?? '';
      expect(attributesOf(app(), 'AWS::SQS::Queue', 'Arn')).toContain(dlq);
      expect(roleWithArn(app(), schedule.Target.RoleArn).allows('sqs:SendMessage', dlq)).toBe(true);
      expect(JSON.parse(schedule.Target.Input ?? '{}')).toEqual({ sessionId: session.id, scheduleName: schedule.Name });
      created.push({ id: session.id, expiresAt: session.expiresAt, taskArn: task.taskArn, schedule });
    }
    const [first, second] = created;
    if (first === undefined || second === undefined) throw new Error('two sessions were not created');
    // Each cold api process (the create) and starter process (the RunTask) read the profiles from
    // the template's parameters, under the path its environment names.
    const profileReads = inputsOf(app().ssm.calls, 'GetParametersByPath');
    expect(profileReads.map((read) => read['Path'])).toEqual(created.flatMap(() => [create.fn.environment['PROFILES_PARAMETER_PATH'], create.fn.environment['PROFILES_PARAMETER_PATH']]));

    // 2. Both tasks reach RUNNING: the event ECS sends matches the one rule, whose target records it.
    for (const session of created) {
      ecs.setLastStatus(session.taskArn, 'RUNNING');
      expect(await deliverToOneRule(ecs.stateChangeEvent(session.taskArn))).toEqual({ outcome: 'running' });
      const running = await sessionItem(create.fn, session.id);
      expect(running['status']).toBe('running');
      // The idle clock counts from RUNNING (README "How a session's deadline works"), so the deadline
      // is the one the record holds now, a little after the create's.
      session.expiresAt = String(running['expiresAt']);
    }

    // 3. The first schedule fires after the deadline: its target gets the schedule's own input and
    // stops the task in the template's cluster.
    await deadlinePassed(first.expiresAt, 'the first deadline to pass');
    expect(resultOf(await app().fire(first.schedule.Target))).toEqual({ outcome: 'stopping' });
    expect((await sessionItem(create.fn, first.id))['status']).toBe('stopping');
    expect(inputsOf(ecs.calls, 'StopTask')).toEqual([expect.objectContaining({ cluster, task: first.taskArn })]);

    // 4. ECS reports the task STOPPED: the session is stopped for the reason its deadline gave, it
    // carries the template's TTL attribute, and "Session Ended" goes to the template's bus.
    ecs.setLastStatus(first.taskArn, 'STOPPED');
    expect(await deliverToOneRule(ecs.stateChangeEvent(first.taskArn))).toEqual({ outcome: 'stopped' });
    const ended = await sessionItem(create.fn, first.id);
    expect(ended).toMatchObject({ status: 'stopped', endReason: 'idle_timeout' });
    expect(typeof ended[tableNamedBy(create.fn, 'SESSIONS_TABLE_NAME').timeToLiveAttribute ?? 'a TTL attribute']).toBe('number');
    expect(eventBridge.events.filter((e) => e.detailType === 'Session Ended')).toEqual([
      expect.objectContaining({
        eventBusName: only(refsOf(app(), 'AWS::Events::EventBus'), 'event bus'),
        detail: expect.objectContaining({ sessionId: first.id, reason: 'idle_timeout' }) as unknown,
      }),
    ]);

    // 5. The second session "missed" its schedule: the template's own schedule fires the sweep with
    // its input; the sweep finds the session overdue through the deadline index, stops its task
    // and disarms its schedule. It looks for orphans among the tasks the rule reports on.
    await deadlinePassed(second.expiresAt, 'the second deadline to pass');
    const sweep = only(templateSchedules(app()), 'schedule in the templates');
    const report = resultOf<{ expired: unknown[]; failures: unknown[] }>(await app().fire(sweep.Target));
    expect(report.failures).toEqual([]);
    expect(report.expired).toEqual([expect.objectContaining({ sessionId: second.id, action: 'stop' })]);
    expect((await sessionItem(create.fn, second.id))['status']).toBe('stopping');
    expect(inputsOf(ecs.calls, 'StopTask').map((c) => c['task'])).toEqual([first.taskArn, second.taskArn]);
    expect(scheduler.schedules.has(`${second.schedule.GroupName}/${second.schedule.Name}`)).toBe(false);
    const pattern = only(eventRules(app()), 'rule').pattern as { detail: { startedBy: string[] } };
    expect(inputsOf(ecs.calls, 'ListTasks')).toEqual([expect.objectContaining({ cluster, startedBy: only(pattern.detail.startedBy, 'startedBy') })]);

    ecs.setLastStatus(second.taskArn, 'STOPPED');
    expect(await deliverToOneRule(ecs.stateChangeEvent(second.taskArn))).toEqual({ outcome: 'stopped' });
    expect(await sessionItem(create.fn, second.id)).toMatchObject({ status: 'stopped', endReason: 'idle_timeout' });

    // 6. The owner's list (through the owner index) shows both ended; the idempotency records carry
    // the template's TTL attribute; no call went to a service without a fake.
    const list = apiRoute('GET /sessions');
    const listed = expectAnswer(await app().invoke(list.fn, requestTo(list, owner)), 200);
    const { sessions } = JSON.parse(listed.body) as { sessions: { id: string; status: string }[] };
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    expect(sessions.map(({ id, status }) => ({ id, status })).sort(byId)).toEqual(created.map(({ id }) => ({ id, status: 'stopped' })).sort(byId));

    const idempotency = tableNamedBy(create.fn, 'IDEMPOTENCY_TABLE_NAME');
    const { Items = [] } = await app().dynalite.doc.send(new ScanCommand({ TableName: idempotency.tableName }));
    const keys = Items.filter((item) => created.some((s) => s.id === item['sessionId']));
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(typeof key[idempotency.timeToLiveAttribute ?? 'a TTL attribute']).toBe('number');
    // Only creating and starting a session need a profile: expiring, sweeping and following tasks read none.
    expect(inputsOf(app().ssm.calls, 'GetParametersByPath')).toHaveLength(profileReads.length);
    expect(app().unexpected.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });
  it('makes only calls that each function\'s own role allows, on every route and handler (IAM policy simulator)', async () => {
    // The walk above drove create, list, both task events, an expiry fire and the scheduled sweep;
    // these drive the remaining routes: activity with the task's token, extend, show, terminate,
    // stats and the admin sweep (which runs the sweep in the api function), and a task that exits.
    const owner = `prober-${randomUUID().slice(0, 8)}`;
    const create = apiRoute('POST /sessions');
    const created = expectAnswer(await app().invoke(create.fn, requestTo(create, owner, { body: { profile: Object.keys(rawConfig().profiles)[0] } })), 201);
    const { session, activityToken } = JSON.parse(created.body) as { session: { id: string }; activityToken: string };
    await startQueued();
    const params = { id: session.id };
    const activity = apiRoute('POST /sessions/{id}/activity');
    expectAnswer(await app().invoke(activity.fn, requestTo(activity, owner, { params, headers: { 'x-session-token': activityToken }, body: { kind: 'interaction' } })), 200);
    for (const [routeKey, body, status] of [
      ['POST /sessions/{id}/extend', { seconds: 60 }, 200],
      ['GET /sessions/{id}', undefined, 200],
      ['DELETE /sessions/{id}', undefined, 202],
    ] as const) {
      const route = apiRoute(routeKey);
      expectAnswer(await app().invoke(route.fn, requestTo(route, owner, { params, ...(body !== undefined && { body }) })), status);
    }
    for (const [routeKey, body] of [['GET /stats', undefined], ['POST /sweep', { dryRun: false }]] as const) {
      const route = apiRoute(routeKey);
      expectAnswer(await app().invoke(route.fn, requestTo(route, owner, { admin: true, ...(body !== undefined && { body }) })), 200);
    }

    // A task that exits on its own: task-event ends the session and disarms its schedule.
    const exiting = expectAnswer(await app().invoke(create.fn, requestTo(create, owner, { body: { profile: Object.keys(rawConfig().profiles)[0] } })), 201);
    const exitingId = (JSON.parse(exiting.body) as { session: { id: string } }).session.id;
    await startQueued();
    const task = [...app().ecs.tasks.values()].at(-1);
    if (task === undefined) throw new Error('no task was started');
    app().ecs.setLastStatus(task.taskArn, 'RUNNING');
    expect(await deliverToOneRule(app().ecs.stateChangeEvent(task.taskArn))).toEqual({ outcome: 'running' });
    app().ecs.setLastStatus(task.taskArn, 'STOPPED');
    expect(await deliverToOneRule(app().ecs.stateChangeEvent(task.taskArn))).toEqual({ outcome: 'stopped' });
    expect(await sessionItem(create.fn, exitingId)).toMatchObject({ status: 'stopped', endReason: 'task_exited' });

    const invoked = new Set(app().invocations.filter((i) => !i.altered && i.calls.length > 0).map((i) => i.fn.logicalId));
    expect(invoked.size, 'functions whose calls were recorded').toBe(5);
    expect(await callsTheirRolesRefuse(app())).toEqual([]);
  });

  it('verifies an owner\'s bearer token on the activity route with jose, loaded from beside the bundle on first use', async () => {
    // jose is not in the api's bundle but a package of its asset (FIRST_USE_PACKAGES): only a token
    // makes the bundle load it. The key set comes from a local JWKS endpoint instead of the issuer's.
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'walk', alg: 'RS256', use: 'sig' }] });
    const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const owner = `bearer-${randomUUID().slice(0, 8)}`;
      const create = apiRoute('POST /sessions');
      const created = expectAnswer(await app().invoke(create.fn, requestTo(create, owner, { body: { profile: Object.keys(rawConfig().profiles)[0] } })), 201);
      const { session } = JSON.parse(created.body) as { session: { id: string } };
      await startQueued(); // the queue is left as the next test expects it
      const activity = apiRoute('POST /sessions/{id}/activity');
      const variables = { ...activity.fn.environment, JWT_JWKS_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json` };
      const signed = (claims: { sub: string }) =>
        new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: 'walk' })
          .setIssuer(activity.fn.environment['JWT_ISSUER'] ?? '')
          .setAudience(activity.fn.environment['JWT_AUDIENCE']?.split(',')[0] ?? '')
          .setExpirationTime('5m')
          .sign(privateKey);
      const withToken = async (token: string) =>
        app().invoke(activity.fn, requestTo(activity, owner, { params: { id: session.id }, headers: { authorization: `Bearer ${token}` }, body: { kind: 'interaction' } }), { variables });

      expectAnswer(await withToken(await signed({ sub: owner })), 200);
      // The same key, another owner: verified, and refused as not theirs; a token jose rejects: 401.
      expect(resultOf<ApiAnswer>(await withToken(await signed({ sub: 'someone-else' }))).statusCode).toBe(404);
      expectAnswer(await withToken(`${(await signed({ sub: owner })).slice(0, -4)}AAAA`), 401);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('the start queue, as its event source mapping delivers it', () => {
  it('a start without capacity is queued again (delayed), and one whose retry cannot be queued stays on the queue alone', async () => {
    const { ecs, sqs } = app();
    const create = apiRoute('POST /sessions');
    const owner = `burst-${randomUUID().slice(0, 8)}`;
    const queueUrl = create.fn.environment['START_QUEUE_URL'] ?? '';
    const ids: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const answer = expectAnswer(await app().invoke(create.fn, requestTo(create, owner, { body: { profile: Object.keys(rawConfig().profiles)[0] } })), 201);
      ids.push((JSON.parse(answer.body) as { session: { id: string } }).session.id);
    }
    const [first = '', second = ''] = ids;
    const tasksOf = (id: string) => [...ecs.tasks.values()].filter((t) => t.overrides.containerOverrides[0]?.environment?.some((e) => e.name === 'SESSION_ID' && e.value === id));

    // One batch of both: ECS has no room for the first, and its retry cannot be queued (SQS
    // throttles): only that record is reported failed and stays; the second starts.
    ecs.failNextRunTasks.push('RESOURCE:ENI');
    sqs.refuse = new AwsServiceError(400, 'AWS.SimpleQueueService.RequestThrottled', 'Request is throttled.');
    let polls;
    try {
      polls = await app().poll();
    } finally {
      sqs.refuse = undefined;
    }
    expect(polls.map((p) => ({ delivered: p.delivered.length, failed: p.failed.length }))).toEqual([{ delivered: 2, failed: 1 }]);
    expect(sqs.messages.get(queueUrl)?.map((m) => ({ sessionId: (JSON.parse(m.body) as { sessionId: string }).sessionId, receives: m.receiveCount }))).toEqual([
      { sessionId: first, receives: 1 },
    ]);
    expect((await sessionItem(create.fn, first))['status']).toBe('starting');
    expect(tasksOf(first)).toHaveLength(0);
    expect(tasksOf(second)).toHaveLength(1);

    // Redelivered, still no capacity: this time the retry is queued with a delay (attempt 2) and the
    // message itself succeeds.
    ecs.failNextRunTasks.push('RESOURCE:ENI');
    await startQueued({ ignoreDelay: true });
    const [retry] = sqs.messages.get(queueUrl) ?? [];
    expect(JSON.parse(retry?.body ?? '{}')).toMatchObject({ sessionId: first, attempt: 2 });
    expect(retry?.delaySeconds).toBeGreaterThanOrEqual(1);

    // Capacity is back: the retry starts the one task of the session.
    await startQueued({ ignoreDelay: true });
    expect(sqs.messages.get(queueUrl)).toEqual([]);
    expect(tasksOf(first)).toHaveLength(1);
    expect(await sessionItem(create.fn, first)).toMatchObject({ status: 'starting', taskArn: tasksOf(first)[0]?.taskArn });
    expect(await callsTheirRolesRefuse(app())).toEqual([]);
  });
});

describe('the walk fails where the deployment would', () => {
  const failureOf = (promise: Promise<unknown>): Promise<unknown> => promise.then(
    () => new Error('the invocation succeeded'),
    (error: unknown) => error,
  );
  const health = () => {
    const route = apiRoute('GET /health');
    return { fn: route.fn, event: requestTo(route, 'nobody') };
  };

  it('starts from a bundle that answers through its real Handler setting', async () => {
    const { fn, event } = health();
    expectAnswer(await app().invoke(fn, event), 200);
  });

  it.each([
    ['an export the module does not have', 'index.nothere', /is undefined or not exported/],
    ['a module the asset does not have', 'main.handler', /Cannot find module/],
  ])('a Handler naming %s fails the cold start', async (_what, handler, message) => {
    const { fn, event } = health();
    const failure = await failureOf(app().invoke(fn, event, { handler }));
    expect(failure).toBeInstanceOf(InvocationError);
    expect(failure).toMatchObject({ phase: 'init', errorMessage: expect.stringMatching(message) as unknown });
  });

  it('a function without one of its variables fails its cold start, naming the variable', async () => {
    const { fn, event } = health();
    const { SCHEDULER_ROLE_ARN: _dropped, ...variables } = fn.environment;
    const failure = await failureOf(app().invoke(fn, event, { variables }));
    expect(failure).toBeInstanceOf(InvocationError);
    expect(failure).toMatchObject({ phase: 'init', errorName: 'ConfigError', errorMessage: expect.stringMatching(/SCHEDULER_ROLE_ARN is missing/) as unknown });
  });

  it('a create that finds no profile under its path answers 500, and its log names the path', async () => {
    const create = apiRoute('POST /sessions');
    const variables = { ...create.fn.environment, PROFILES_PARAMETER_PATH: '/elsewhere/profiles' };
    const invocation = await app().invoke(create.fn, requestTo(create, 'nobody', { body: { profile: Object.keys(rawConfig().profiles)[0] } }), { variables });
    expect(JSON.parse(expectAnswer(invocation, 500).body)).toEqual({ error: { code: 'internal', message: 'internal error' } });
    expect(invocation.log).toMatch(/the deployed profiles are not valid.*no parameter under \/elsewhere\/profiles/);
  });

  it('a create on a profile with a scheduled stop reads its cron with croner, loaded from beside the bundle on first use', async () => {
    // No profile of cdk.json has a scheduled stop: one is written under a path of its own. croner is
    // not in the bundles but a package of the asset (FIRST_USE_PACKAGES), required by the first cron.
    const create = apiRoute('POST /sessions');
    const path = create.fn.environment['PROFILES_PARAMETER_PATH'] ?? '';
    const [name, parameter] = [...app().ssm.parameters.values()].filter((p) => p.Name.startsWith(`${path}/`)).map((p) => [p.Name.slice(path.length + 1), p] as const)[0] ?? expect.fail(`no profile parameter under ${path}`);
    const quiet = { ...(JSON.parse(parameter.Value) as Record<string, unknown>), scheduledStop: { cron: '* * * * *', timezone: 'Europe/Zurich' } };
    app().ssm.parameters.set(`/walk-quiet/profiles/${name}`, { ...parameter, Name: `/walk-quiet/profiles/${name}`, Value: JSON.stringify(quiet) });
    const variables = { ...create.fn.environment, PROFILES_PARAMETER_PATH: '/walk-quiet/profiles' };
    const before = Date.now();

    const created = expectAnswer(await app().invoke(create.fn, requestTo(create, `quiet-${randomUUID().slice(0, 8)}`, { body: { profile: name } }), { variables }), 201);
    await startQueued(); // the queue is left as the next test expects it

    const { session } = JSON.parse(created.body) as { session: { expiresAt: string; scheduledStopAt?: string } };
    // Every minute: the next occurrence is within a minute of the create, and it is the deadline.
    expect(Date.parse(session.scheduledStopAt ?? '') - before).toBeLessThanOrEqual(60_000);
    expect(session.expiresAt).toBe(session.scheduledStopAt);
  });

  it('a create whose parameter store refuses answers 503, and its log says why', async () => {
    const create = apiRoute('POST /sessions');
    app().ssm.refuse = new AwsServiceError(400, 'AccessDeniedException', 'User is not authorized to perform: ssm:GetParametersByPath');
    try {
      const invocation = await app().invoke(create.fn, requestTo(create, 'nobody', { body: { profile: Object.keys(rawConfig().profiles)[0] } }));
      expect(JSON.parse(expectAnswer(invocation, 503).body)).toMatchObject({ error: { code: 'unavailable' } });
      expect(invocation.log).toMatch(/the profiles could not be read.*AccessDeniedException/);
    } finally {
      app().ssm.refuse = undefined;
    }
  });

  it('a sessions table whose indexes are named differently fails the sweep', async () => {
    const sweep = functionWithArn(app().assembly, app().resolver, only(templateSchedules(app()), 'schedule in the templates').Target.Arn);
    const sessions = tableNamedBy(sweep, 'SESSIONS_TABLE_NAME');
    const { input } = tableFromTemplate(app().resolver, sessions.stackName, sessions.logicalId);
    const renamed = `${input.TableName}-renamed-indexes`;
    await createTable(app().dynalite.client, {
      ...input,
      TableName: renamed,
      GlobalSecondaryIndexes: (input.GlobalSecondaryIndexes ?? []).map((index) => ({ ...index, IndexName: `${index.IndexName ?? ''}V2` })),
    });

    const failure = await failureOf(app().invoke(sweep, { dryRun: true }, { variables: { ...sweep.environment, SESSIONS_TABLE_NAME: renamed } }));
    expect(failure).toBeInstanceOf(InvocationError);
    expect(failure).toMatchObject({ phase: 'invoke', errorName: 'ValidationException', errorMessage: expect.stringMatching(/specified index/) as unknown });
  });

  it('an event from another cluster, or of a status the rule does not ask for, reaches no function', async () => {
    const { ecs } = app();
    const create = apiRoute('POST /sessions');
    expectAnswer(await app().invoke(create.fn, requestTo(create, `stray-${randomUUID().slice(0, 8)}`, { body: { profile: Object.keys(rawConfig().profiles)[0] } })), 201);
    await startQueued();
    const task = [...ecs.tasks.values()].at(-1);
    if (task === undefined) throw new Error('no task was started');
    const event = ecs.stateChangeEvent(ecs.setLastStatus(task.taskArn, 'RUNNING').taskArn) as { detail: Record<string, unknown> };
    const rule = only(eventRules(app()), 'rule');
    expect(matchesEventPattern(rule.pattern, event)).toBe(true);

    expect(matchesEventPattern(rule.pattern, { ...event, detail: { ...event.detail, clusterArn: `${String(event.detail['clusterArn'])}-other` } })).toBe(false);
    expect(matchesEventPattern(rule.pattern, { ...event, detail: { ...event.detail, lastStatus: 'PENDING' } })).toBe(false);
    expect((await app().deliver({ ...event, detail: { ...event.detail, startedBy: 'someone-else' } })).rules).toEqual([]);
  });
});
