// Least privilege per function, decided by an IAM policy simulator on the synthesized templates
// (README, "Least privilege"): each function's execution role allows every call that
// contract/function-calls.ts declares for it, on the concrete ARNs its environment names and with
// the context AWS sets (ecs:cluster, iam:PassedToService); it is denied the other functions' calls
// (so the api starts no task: only the starter does) and every probe outside the stack (another
// cluster, schedule group, table, queue, the default bus, a role passed to another service); and
// its policies name no action beyond the map and what Lambda itself does with the role. Synthesized
// with a workspace profile, so the workspaces' grants (EC2 scoped by the stack's tag) are in it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_NAMES, type FunctionName, callsOf } from '../../../contract/function-calls';
import { BY_OWNER_INDEX } from '../../../contract/table-definitions';
import { ECS_SERVICE, ECS_TASKS_SERVICE, SCHEDULER_SERVICE, profileTargets, requestsForEntry, requestsOfCall } from '../../support/iam/call-requests';
import { type FunctionIdentity, sessionOf } from '../../support/iam/deployed-roles';
import { type IamRequest, decide, describeRequest } from '../../support/iam/simulator';
import { type SynthesizedFunctions, synthesizedFunctions } from '../../support/iam/synthesized-functions';
import { type SynthesizedApp, synthApp, workspaceConfig } from '../../support/synth-app';
import { TAG_WORKSPACE_STACK } from '../../../contract/workspace-tags';

let synth: SynthesizedApp | undefined;
let deployed: SynthesizedFunctions | undefined;

beforeAll(() => {
  synth = synthApp(workspaceConfig());
  deployed = synthesizedFunctions(synth);
});
afterAll(() => synth?.cleanup());

const app = (): SynthesizedFunctions => {
  if (deployed === undefined) throw new Error('the app was not synthesized');
  return deployed;
};
const fnNamed = (name: FunctionName): FunctionIdentity => app().functions[name];

/** The requests of every entry the map declares for a function. */
const declaredRequests = (name: FunctionName): IamRequest[] =>
  callsOf(name).flatMap(({ on, action }) => {
    const requests = requestsForEntry(app().resolver, fnNamed(name).environment, on, action);
    if (requests.length === 0) throw new Error(`${name}: ${action} on ${on} resolves to no request in this deployment`);
    return requests;
  });

/** The requests whose decision for the function is not the expected one, described. */
const notDecided = async (name: FunctionName, requests: IamRequest[], expected: 'Allowed' | 'Denied'): Promise<string[]> => {
  const wrong: string[] = [];
  for (const request of requests) {
    const decision = await decide(sessionOf(fnNamed(name)), request);
    const denied = decision !== 'Allowed';
    if ((expected === 'Denied') !== denied) wrong.push(`${decision}: ${describeRequest(request)}`);
  }
  return wrong;
};

const firstTaskDefinition = (env: Record<string, string>): string => {
  const [profile] = profileTargets(app().resolver, env);
  if (profile === undefined) throw new Error('the deployment has no profile');
  return profile.taskDefinitionArn;
};

/** Calls from outside the stack's resources, or of actions no function makes: every function is denied them. */
const probes = (): { what: string; requests: IamRequest[] }[] => {
  const { resolver } = app();
  const env = fnNamed('api').environment;
  const { partition, region, accountId } = resolver.env;
  const arn = (service: string, resource: string) => `arn:${partition}:${service}:${region}:${accountId}:${resource}`;
  const cluster = env['CLUSTER_ARN'] ?? '';
  const otherCluster = arn('ecs', 'cluster/someone-elses');
  const taskDefinition = firstTaskDefinition(env);
  const sessions = arn('dynamodb', `table/${env['SESSIONS_TABLE_NAME'] ?? ''}`);
  const idempotency = arn('dynamodb', `table/${env['IDEMPOTENCY_TABLE_NAME'] ?? ''}`);
  const otherTable = arn('dynamodb', 'table/someone-elses');
  const schedulerRole = env['SCHEDULER_ROLE_ARN'] ?? '';
  const [startQueue = ''] = requestsForEntry(resolver, env, 'startQueue', 'sqs:SendMessage').map((r) => r.resource);
  const taskRoles = requestsOfCall(resolver, { service: 'ecs', operation: 'RunTask', input: { cluster, taskDefinition } })
    .filter((r) => r.action === 'iam:PassRole')
    .map((r) => r.resource);
  const ownRoles = FUNCTION_NAMES.map((name) => fnNamed(name).role.arn);
  const schedule = (group: string) => arn('scheduler', `schedule/${group}/${randomUUID()}-1`);
  const task = (clusterName: string) => arn('ecs', `task/${clusterName}/${randomUUID().replaceAll('-', '')}`);
  const clusterName = cluster.slice(cluster.lastIndexOf('/') + 1);
  const passTo = (role: string, service: string): IamRequest => ({ action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': service } });
  const volumesRole = env['WORKSPACE_VOLUMES_ROLE_ARN'] ?? '';
  const volume = arn('ec2', 'volume/vol-0123456789abcdef0');
  const snapshot = `arn:${partition}:ec2:${region}::snapshot/snap-0123456789abcdef0`;
  const tagged = (marker: string | undefined): Record<string, string> => (marker === undefined ? {} : { [`aws:ResourceTag/${TAG_WORKSPACE_STACK}`]: marker });
  const madeWith = (marker: string | undefined): Record<string, string | string[]> => ({
    ...(marker === undefined ? {} : { [`aws:RequestTag/${TAG_WORKSPACE_STACK}`]: marker }),
    'aws:TagKeys': marker === undefined ? [] : [TAG_WORKSPACE_STACK],
  });
  const ebsCalls = (marker: string | undefined): IamRequest[] => [
    { action: 'ec2:CreateSnapshot', resource: volume, context: tagged(marker) },
    { action: 'ec2:DeleteVolume', resource: volume, context: tagged(marker) },
    { action: 'ec2:DeleteSnapshot', resource: snapshot, context: tagged(marker) },
    { action: 'ec2:CreateSnapshot', resource: snapshot, context: madeWith(marker) },
    { action: 'ec2:CreateTags', resource: snapshot, context: { ...madeWith(marker), 'ec2:CreateAction': 'CreateSnapshot' } },
  ];
  return [
    { what: "another stack's workspace volume or snapshot (its tag names another marker)", requests: ebsCalls('se-someone-elses') },
    { what: "a volume or snapshot without the stack's tag", requests: ebsCalls(undefined) },
    {
      what: 'EBS calls no function makes, or tagging what a CreateSnapshot is not making',
      requests: [
        { action: 'ec2:CreateTags', resource: volume, context: tagged(env['TASK_MARKER']) },
        { action: 'ec2:CreateTags', resource: snapshot, context: { ...madeWith(env['TASK_MARKER']), 'ec2:CreateAction': 'CopySnapshot' } },
        { action: 'ec2:AttachVolume', resource: volume, context: tagged(env['TASK_MARKER']) },
        { action: 'ec2:ModifySnapshotAttribute', resource: snapshot, context: tagged(env['TASK_MARKER']) },
      ],
    },
    { what: 'the volumes role passed to another service than ECS', requests: [passTo(volumesRole, ECS_TASKS_SERVICE), passTo(volumesRole, SCHEDULER_SERVICE)] },
    {
      what: 'another cluster',
      requests: [
        { action: 'ecs:RunTask', resource: taskDefinition, context: { 'ecs:cluster': otherCluster } },
        { action: 'ecs:StopTask', resource: task('someone-elses'), context: { 'ecs:cluster': otherCluster } },
        { action: 'ecs:DescribeTasks', resource: task('someone-elses'), context: { 'ecs:cluster': otherCluster } },
        { action: 'ecs:ListTasks', resource: '*', context: { 'ecs:cluster': otherCluster } },
      ],
    },
    {
      what: 'another task definition, or tagging a task RunTask is not creating',
      requests: [
        { action: 'ecs:RunTask', resource: arn('ecs', 'task-definition/someone-elses:1'), context: { 'ecs:cluster': cluster } },
        { action: 'ecs:TagResource', resource: task(clusterName), context: {} },
      ],
    },
    {
      what: 'another schedule group (the default group holds the sweep schedule)',
      requests: ['default', 'someone-elses'].flatMap((group) => [
        { action: 'scheduler:CreateSchedule', resource: schedule(group) },
        { action: 'scheduler:DeleteSchedule', resource: schedule(group) },
      ]),
    },
    {
      what: 'schedule reads and updates no function makes',
      requests: [
        { action: 'scheduler:GetSchedule', resource: schedule(env['SCHEDULE_GROUP_NAME'] ?? '') },
        { action: 'scheduler:UpdateSchedule', resource: schedule(env['SCHEDULE_GROUP_NAME'] ?? '') },
      ],
    },
    {
      what: 'another table, or the base table where only an index is queried',
      requests: [
        ...['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan'].map((op) => ({ action: `dynamodb:${op}`, resource: otherTable })),
        { action: 'dynamodb:Query', resource: `${otherTable}/index/${BY_OWNER_INDEX}` },
        { action: 'dynamodb:Query', resource: sessions },
        { action: 'dynamodb:Query', resource: `${sessions}/index/someone-elses` },
      ],
    },
    {
      what: 'table operations no function makes',
      requests: [
        { action: 'dynamodb:DeleteItem', resource: sessions },
        { action: 'dynamodb:Scan', resource: idempotency },
        { action: 'dynamodb:Query', resource: idempotency },
        ...['BatchWriteItem', 'BatchGetItem', 'DescribeTable', 'ConditionCheckItem', 'DeleteTable'].map((op) => ({ action: `dynamodb:${op}`, resource: sessions })),
      ],
    },
    { what: 'the default event bus', requests: [{ action: 'events:PutEvents', resource: arn('events', 'event-bus/default') }] },
    {
      what: 'another queue than the start queue, or queue calls no function makes',
      requests: [
        ...['SendMessage', 'ReceiveMessage', 'DeleteMessage', 'ChangeMessageVisibility', 'GetQueueAttributes', 'GetQueueUrl', 'PurgeQueue'].map((op) => ({
          action: `sqs:${op}`,
          resource: arn('sqs', 'someone-elses'),
        })),
        ...['PurgeQueue', 'DeleteQueue', 'SetQueueAttributes'].map((op) => ({ action: `sqs:${op}`, resource: startQueue })),
      ],
    },
    {
      what: 'a role passed to another service, or a role no function passes',
      requests: [
        passTo(schedulerRole, 'lambda.amazonaws.com'),
        passTo(schedulerRole, ECS_TASKS_SERVICE),
        ...taskRoles.flatMap((role) => [passTo(role, SCHEDULER_SERVICE), passTo(role, 'lambda.amazonaws.com')]),
        ...ownRoles.flatMap((role) => [passTo(role, SCHEDULER_SERVICE), passTo(role, ECS_TASKS_SERVICE)]),
      ],
    },
  ];
};

/** Actions Lambda itself takes with an execution role: the function's logs, traces and on-failure destination. */
const PLATFORM_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
const ON_FAILURE_DESTINATION_ACTIONS = ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'];
/**
 * Invoked synchronously (API Gateway; the starter's event source mapping), so no on-failure
 * destination; the mapping's own receive calls are in the map.
 */
const SYNCHRONOUS: readonly FunctionName[] = ['api', 'starter'];

const actionsInPolicies = (fn: FunctionIdentity): string[] => {
  const actions = fn.role.identityPolicies.flatMap((policy) =>
    (policy.Statement as { Effect: string; Action: string | string[] }[]).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])),
  );
  return [...new Set(actions)].sort();
};

/** A log stream of the function's own log group, and its on-failure queue (async functions only). */
const platformResourcesOf = (name: FunctionName): { logStream: string; failureQueue?: string } => {
  const { resolver } = app();
  const { logicalId } = fnNamed(name);
  const [fn] = resolver.resourcesOfType('AWS::Lambda::Function').filter((f) => f.logicalId === logicalId);
  if (fn === undefined) throw new Error(`no function ${logicalId}`);
  const logGroup = (resolver.resolve(fn.stackName, fn.resource.Properties?.['LoggingConfig']) as { LogGroup: string }).LogGroup;
  const { partition, region, accountId } = resolver.env;
  const functionName = resolver.ref(fn.stackName, logicalId);
  const failureQueue = resolver
    .resourcesOfType('AWS::Lambda::EventInvokeConfig')
    .map((c) => resolver.resolve(c.stackName, c.resource.Properties ?? {}) as { FunctionName: string; DestinationConfig?: { OnFailure?: { Destination?: string } } })
    .find((c) => c.FunctionName === functionName)?.DestinationConfig?.OnFailure?.Destination;
  return {
    logStream: `arn:${partition}:logs:${region}:${accountId}:log-group:${logGroup}:log-stream:2026/01/01/[$LATEST]0123456789abcdef`,
    ...(failureQueue !== undefined && { failureQueue }),
  };
};

describe('least privilege per function (IAM policy simulator)', () => {
  it.each(FUNCTION_NAMES)('%s is allowed every call the map declares for it, on its own resources', async (name) => {
    const requests = declaredRequests(name);
    expect(requests.length).toBeGreaterThan(0);
    expect(await notDecided(name, requests, 'Allowed')).toEqual([]);
  });

  it.each(FUNCTION_NAMES)('%s is denied the calls only other functions make', async (name) => {
    const own = new Set(callsOf(name).map(({ on, action }) => `${on} ${action}`));
    const theirs = FUNCTION_NAMES.filter((other) => other !== name)
      .flatMap((other) => callsOf(other).map((call) => ({ ...call, other })))
      .filter(({ on, action }) => !own.has(`${on} ${action}`));
    // The same request under another entry is its own too (the scheduler role, passed for session and workspace schedules alike).
    const ownRequests = new Set(declaredRequests(name).map(describeRequest));
    const requests = theirs
      .flatMap(({ on, action, other }) => requestsForEntry(app().resolver, fnNamed(other).environment, on, action))
      .filter((request) => !ownRequests.has(describeRequest(request)));
    if (name !== 'api') expect(requests.length).toBeGreaterThan(0);
    expect(await notDecided(name, requests, 'Denied')).toEqual([]);
  });

  it.each(FUNCTION_NAMES)('%s is denied every probe outside its resources', async (name) => {
    const allowed: string[] = [];
    for (const probe of probes()) {
      for (const wrong of await notDecided(name, probe.requests, 'Denied')) allowed.push(`${probe.what}: ${wrong}`);
    }
    expect(allowed).toEqual([]);
  });

  it.each(FUNCTION_NAMES)('%s has no action in its policies beyond the map and what Lambda does with its role', (name) => {
    const declared = callsOf(name).map((c) => c.action);
    const platform = SYNCHRONOUS.includes(name) ? PLATFORM_ACTIONS : [...PLATFORM_ACTIONS, ...ON_FAILURE_DESTINATION_ACTIONS];
    expect(actionsInPolicies(fnNamed(name))).toEqual([...new Set([...declared, ...platform])].sort());
  });

  it.each(FUNCTION_NAMES)('%s may write only its own logs and send only to its own on-failure queue', async (name) => {
    const own = platformResourcesOf(name);
    const others = FUNCTION_NAMES.filter((other) => other !== name).map(platformResourcesOf);
    const logsTo = (stream: string): IamRequest => ({ action: 'logs:PutLogEvents', resource: stream });
    const sendTo = (queue: string): IamRequest => ({ action: 'sqs:SendMessage', resource: queue });
    expect(await notDecided(name, [logsTo(own.logStream), ...(own.failureQueue === undefined ? [] : [sendTo(own.failureQueue)])], 'Allowed')).toEqual([]);
    const theirs = others.flatMap((o) => [logsTo(o.logStream), ...(o.failureQueue === undefined ? [] : [sendTo(o.failureQueue)])]);
    expect(await notDecided(name, theirs, 'Denied')).toEqual([]);
  });

  it('api starts no task: RunTask, tagging at launch and passing the task roles are the starter\'s alone', async () => {
    const starterEnv = fnNamed('starter').environment;
    const starts = (['taskDefinitions', 'clusterTasks', 'taskRoles'] as const).flatMap((on) =>
      (['ecs:RunTask', 'ecs:TagResource', 'iam:PassRole'] as const).flatMap((action) =>
        callsOf('starter').some((c) => c.on === on && c.action === action) ? requestsForEntry(app().resolver, starterEnv, on, action) : [],
      ),
    );
    expect(new Set(starts.map((r) => r.action))).toEqual(new Set(['ecs:RunTask', 'ecs:TagResource', 'iam:PassRole']));
    expect(await notDecided('starter', starts, 'Allowed')).toEqual([]);
    expect(await notDecided('api', starts, 'Denied')).toEqual([]);
  });

  it('turns each task definition into RunTask in the cluster, tags at launch and its two roles passed to ECS only', () => {
    const env = fnNamed('api').environment;
    const requests = requestsOfCall(app().resolver, {
      service: 'ecs',
      operation: 'RunTask',
      input: { cluster: env['CLUSTER_ARN'], taskDefinition: firstTaskDefinition(env), tags: [{ key: 'k', value: 'v' }] },
    });
    expect(requests.map((r) => r.action)).toEqual(['ecs:RunTask', 'ecs:TagResource', 'iam:PassRole', 'iam:PassRole']);
    const withVolume = requestsOfCall(app().resolver, {
      service: 'ecs',
      operation: 'RunTask',
      input: { cluster: env['CLUSTER_ARN'], taskDefinition: firstTaskDefinition(env), volumeConfigurations: [{ managedEBSVolume: { roleArn: env['WORKSPACE_VOLUMES_ROLE_ARN'] } }] },
    });
    expect(withVolume.filter((r) => r.context?.['iam:PassedToService'] === ECS_SERVICE).map((r) => r.resource)).toEqual([env['WORKSPACE_VOLUMES_ROLE_ARN']]);
    expect(requests.filter((r) => r.action === 'iam:PassRole').map((r) => r.context)).toEqual([
      { 'iam:PassedToService': ECS_TASKS_SERVICE },
      { 'iam:PassedToService': ECS_TASKS_SERVICE },
    ]);
  });

  it('refuses to translate an SDK call it has no IAM meaning for, so no new call slips through unchecked', () => {
    expect(() => requestsOfCall(app().resolver, { service: 'dynamodb', operation: 'TransactWriteItems', input: {} })).toThrow(/no IAM translation/);
    expect(() => requestsOfCall(app().resolver, { service: 'ecs', operation: 'StartTask', input: {} })).toThrow(/no IAM translation/);
    expect(() => requestsOfCall(app().resolver, { service: 'scheduler', operation: 'UpdateSchedule', input: { Name: 'n' } })).toThrow(/no IAM translation/);
    expect(() => requestsOfCall(app().resolver, { service: 'sqs', operation: 'PurgeQueue', input: { QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/q' } })).toThrow(/no IAM translation/);
  });
});
