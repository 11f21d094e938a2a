// EcsTaskRunner against a mocked ECS client with the SDK's real exception classes: what RunTask is
// asked for, how failures and "task already gone" are read, and how the sweep's listing pages
// through ListTasks and batches DescribeTasks.
import {
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EcsManagedTasks } from '../../../../lambdas/adapters/aws/ecs-managed-tasks';
import { EcsTaskRunner, type EcsTaskRunnerOptions, fixedTargets } from '../../../../lambdas/adapters/aws/ecs-task-runner';
import { UnavailableError } from '../../../../lambdas/domain/errors';
import { ecsThrottling } from '../../../support/aws-exceptions';

const CLUSTER = 'arn:aws:ecs:eu-west-1:123456789012:cluster/sessions';
const TASK_DEF = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/notebook:3';
const SESSION_ID = '0b6f8f7e-3c1a-4f43-9f55-1b2f4f5a6c7d';
const MARKER = 'se-SessionExpiryStateless-1a2b3c4d';
const taskArn = (n: number | string): string => `arn:aws:ecs:eu-west-1:123456789012:task/sessions/${String(n).padStart(32, '0')}`;

const OPTIONS: EcsTaskRunnerOptions = {
  clusterArn: CLUSTER,
  subnetIds: ['subnet-a', 'subnet-b'],
  securityGroupIds: ['sg-1'],
  assignPublicIp: false,
  profiles: fixedTargets({ notebook: { taskDefinitionArn: TASK_DEF, containerName: 'session' } }),
  startedBy: MARKER,
};

const runningTask = (n: number, tags: Task['tags'] = [{ key: 'session-id', value: `session-${n}` }]): Task => ({
  taskArn: taskArn(n),
  lastStatus: 'RUNNING',
  createdAt: new Date(Date.UTC(2030, 0, 1, 0, 0, n % 60)),
  tags,
});

describe('EcsTaskRunner', () => {
  const ecs = new ECSClient({ region: 'eu-west-1' });
  const ecsMock = mockClient(ecs);
  const runner = new EcsTaskRunner(ecs, OPTIONS);

  beforeEach(() => ecsMock.reset());

  describe('start', () => {
    it('runs one Fargate task idempotently per session, marked, tagged and given the environment', async () => {
      ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: taskArn(1) }], failures: [] });

      const result = await runner.start({
        sessionId: SESSION_ID,
        ownerId: 'auth0|alice',
        profile: 'notebook',
        environment: { SESSION_ID, SESSION_API_URL: 'https://api.example.com' },
      });

      expect(result).toEqual({ taskArn: taskArn(1) });
      const calls = ecsMock.commandCalls(RunTaskCommand);
      expect(calls).toHaveLength(1);
      const input = calls[0].args[0].input;
      expect(input).toMatchObject({
        cluster: CLUSTER,
        taskDefinition: TASK_DEF,
        launchType: 'FARGATE',
        count: 1,
        clientToken: SESSION_ID,
        startedBy: MARKER,
        enableECSManagedTags: true,
        networkConfiguration: {
          awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' },
        },
      });
      expect(input.startedBy!.length).toBeLessThanOrEqual(36);
      // The owner id holds a character ECS tags refuse; it is replaced rather than failing the start.
      expect(input.tags).toEqual([
        { key: 'session-id', value: SESSION_ID },
        { key: 'owner-id', value: 'auth0_alice' },
        { key: 'profile', value: 'notebook' },
      ]);
      expect(input.overrides?.containerOverrides).toEqual([
        {
          name: 'session',
          environment: [
            { name: 'SESSION_ID', value: SESSION_ID },
            { name: 'SESSION_API_URL', value: 'https://api.example.com' },
          ],
        },
      ]);
    });

    it('gives the session agent sidecar the same session variables when the profile names one', async () => {
      ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: taskArn(1) }], failures: [] });
      const withAgent = new EcsTaskRunner(ecs, {
        ...OPTIONS,
        profiles: fixedTargets({ notebook: { taskDefinitionArn: TASK_DEF, containerName: 'session', agentContainerName: 'session-agent' } }),
      });

      await withAgent.start({ sessionId: SESSION_ID, ownerId: 'alice', profile: 'notebook', environment: { SESSION_ID } });

      const environment = [{ name: 'SESSION_ID', value: SESSION_ID }];
      expect(ecsMock.commandCalls(RunTaskCommand)[0].args[0].input.overrides?.containerOverrides).toEqual([
        { name: 'session', environment },
        { name: 'session-agent', environment },
      ]);
    });

    it.each([
      ['empty', ''],
      ['longer than the 36 characters ECS accepts', `se-${'x'.repeat(34)}`],
      ['with a character ECS refuses', 'se-stack.name'],
    ])('refuses a startedBy marker that is %s', (_what, startedBy) => {
      expect(() => new EcsTaskRunner(ecs, { ...OPTIONS, startedBy })).toThrow(RangeError);
      // The stop-and-list adapter of the api, expire and the sweep, which the runner extends.
      expect(() => new EcsManagedTasks(ecs, { clusterArn: OPTIONS.clusterArn, startedBy })).toThrow('the ECS adapter needs a startedBy marker');
    });

    it('never puts the activity token into RunTask, whose parameters CloudTrail, DescribeTasks and task-state events keep', async () => {
      ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: taskArn(1) }], failures: [] });
      const token = 'Qm9vdHN0cmFwVG9rZW5Gb3JBU2Vzc2lvbl9fXzEyMzQ';

      await runner.start({
        sessionId: SESSION_ID,
        ownerId: 'o',
        profile: 'notebook',
        environment: { SESSION_ID, SESSION_API_URL: 'https://api.example.com' },
        activityToken: token,
      });

      const input = JSON.stringify(ecsMock.commandCalls(RunTaskCommand)[0]?.args[0].input);
      expect(input).not.toContain(token);
      expect(input).not.toContain('SESSION_ACTIVITY_TOKEN');
    });

    it('asks for a public IP only when configured to', async () => {
      const publicRunner = new EcsTaskRunner(ecs, { ...OPTIONS, assignPublicIp: true });
      ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: taskArn(2) }] });

      await publicRunner.start({ sessionId: SESSION_ID, ownerId: 'o', profile: 'notebook', environment: {} });

      expect(ecsMock.commandCalls(RunTaskCommand)[0].args[0].input.networkConfiguration?.awsvpcConfiguration?.assignPublicIp).toBe('ENABLED');
    });

    it('reports a capacity failure as UnavailableError, so the caller may retry later', async () => {
      ecsMock.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'RESOURCE:ENI', detail: 'no free ENI' }] });

      const start = runner.start({ sessionId: SESSION_ID, ownerId: 'o', profile: 'notebook', environment: {} });

      await expect(start).rejects.toBeInstanceOf(UnavailableError);
      await expect(start).rejects.toThrow(/RESOURCE:ENI/);
    });

    it('reports any other failure as a plain error naming the reason', async () => {
      ecsMock.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'MISSING', arn: TASK_DEF }] });

      const start = runner.start({ sessionId: SESSION_ID, ownerId: 'o', profile: 'notebook', environment: {} });

      await expect(start).rejects.toThrow(/MISSING/);
      await expect(start).rejects.not.toBeInstanceOf(UnavailableError);
    });

    it('turns a throttled RunTask into UnavailableError carrying the original', async () => {
      const original = ecsThrottling();
      ecsMock.on(RunTaskCommand).rejects(original);

      const error: unknown = await runner.start({ sessionId: SESSION_ID, ownerId: 'o', profile: 'notebook', environment: {} }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as UnavailableError).cause).toBe(original);
    });

    it('refuses a profile it has no task definition for, without calling ECS', async () => {
      await expect(runner.start({ sessionId: SESSION_ID, ownerId: 'o', profile: 'gpu', environment: {} })).rejects.toThrow(/gpu/);
      expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
    });
  });

  describe('stop', () => {
    it('stops the task in the cluster with the reason cut to the 255 characters ECS accepts', async () => {
      ecsMock.on(StopTaskCommand).resolves({});

      await runner.stop(taskArn(1), `idle_timeout: ${'x'.repeat(400)}`);

      const input = ecsMock.commandCalls(StopTaskCommand)[0].args[0].input;
      expect(input.cluster).toBe(CLUSTER);
      expect(input.task).toBe(taskArn(1));
      expect(input.reason!.length).toBe(255);
      expect(input.reason!.startsWith('idle_timeout: ')).toBe(true);
    });

    it('keeps a short reason as it is', async () => {
      ecsMock.on(StopTaskCommand).resolves({});

      await runner.stop(taskArn(1), 'max_lifetime');

      expect(ecsMock.commandCalls(StopTaskCommand)[0].args[0].input.reason).toBe('max_lifetime');
    });

    it.each([
      ['not found', 'The referenced task was not found.'],
      ['already stopped', 'The task is already stopped.'],
    ])('treats a task that is %s as stopped', async (_case, message) => {
      ecsMock.on(StopTaskCommand).rejects(new InvalidParameterException({ message, $metadata: {} }));

      await expect(runner.stop(taskArn(1), 'terminated')).resolves.toBeUndefined();
    });

    it('rethrows other parameter errors (a malformed task id is a bug, not a stopped task)', async () => {
      ecsMock.on(StopTaskCommand).rejects(new InvalidParameterException({ message: 'Task Identifier is invalid', $metadata: {} }));

      await expect(runner.stop('bad', 'terminated')).rejects.toBeInstanceOf(InvalidParameterException);
    });

    it('turns throttling into UnavailableError', async () => {
      ecsMock.on(StopTaskCommand).rejects(ecsThrottling());

      await expect(runner.stop(taskArn(1), 'terminated')).rejects.toBeInstanceOf(UnavailableError);
    });
  });

  describe('listManaged', () => {
    it('pages through ListTasks and describes the tasks in batches of 100', async () => {
      const all = Array.from({ length: 250 }, (_, i) => taskArn(i));
      ecsMock
        .on(ListTasksCommand, { nextToken: undefined })
        .resolves({ taskArns: all.slice(0, 100), nextToken: 'p2' })
        .on(ListTasksCommand, { nextToken: 'p2' })
        .resolves({ taskArns: all.slice(100, 200), nextToken: 'p3' })
        .on(ListTasksCommand, { nextToken: 'p3' })
        .resolves({ taskArns: all.slice(200) });
      ecsMock.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
        tasks: input.tasks.map((arn) => runningTask(all.indexOf(arn))),
        failures: [],
      }));

      const tasks = await runner.listManaged();

      expect(tasks).toHaveLength(250);
      const lists = ecsMock.commandCalls(ListTasksCommand).map((c) => c.args[0].input);
      expect(lists).toHaveLength(3);
      // startedBy has to be the only ListTasks filter; desiredStatus RUNNING is the default.
      for (const list of lists) {
        expect(list).toMatchObject({ cluster: CLUSTER, startedBy: MARKER });
        expect(list.desiredStatus).toBeUndefined();
      }
      const describes = ecsMock.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input);
      expect(describes.map((d) => d.tasks?.length)).toEqual([100, 100, 50]);
      expect(describes.every((d) => d.include?.includes('TAGS') && d.cluster === CLUSTER)).toBe(true);
      expect(tasks[7]).toEqual({
        taskArn: taskArn(7),
        sessionId: 'session-7',
        lastStatus: 'RUNNING',
        createdAt: Date.UTC(2030, 0, 1, 0, 0, 7),
      });
    });

    it('reads the session id from the SESSION_ID override when the task has no session tag', async () => {
      ecsMock.on(ListTasksCommand).resolves({ taskArns: [taskArn(1)] });
      ecsMock.on(DescribeTasksCommand).resolves({
        tasks: [
          {
            ...runningTask(1, []),
            overrides: { containerOverrides: [{ name: 'session', environment: [{ name: 'SESSION_ID', value: SESSION_ID }] }] },
          },
        ],
      });

      const [task] = await runner.listManaged();

      expect(task?.sessionId).toBe(SESSION_ID);
    });

    it('leaves the session id unknown for a task that carries neither', async () => {
      ecsMock.on(ListTasksCommand).resolves({ taskArns: [taskArn(1)] });
      ecsMock.on(DescribeTasksCommand).resolves({ tasks: [runningTask(1, [])] });

      const [task] = await runner.listManaged();

      expect(task?.sessionId).toBeUndefined();
    });

    it('leaves out tasks that stopped between listing and describing', async () => {
      ecsMock.on(ListTasksCommand).resolves({ taskArns: [taskArn(1), taskArn(2), taskArn(3)] });
      ecsMock.on(DescribeTasksCommand).resolves({
        tasks: [runningTask(1), { ...runningTask(2), lastStatus: 'STOPPED' }],
        failures: [{ arn: taskArn(3), reason: 'MISSING' }],
      });

      const tasks = await runner.listManaged();

      expect(tasks.map((t) => t.taskArn)).toEqual([taskArn(1)]);
    });

    it('makes no DescribeTasks call when nothing runs', async () => {
      ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });

      await expect(runner.listManaged()).resolves.toEqual([]);
      expect(ecsMock.commandCalls(DescribeTasksCommand)).toHaveLength(0);
    });

    it('turns a throttled ListTasks into UnavailableError', async () => {
      ecsMock.on(ListTasksCommand).rejects(ecsThrottling());

      await expect(runner.listManaged()).rejects.toBeInstanceOf(UnavailableError);
    });
  });

  describe('describe', () => {
    it('returns the tasks as they are, stopped ones included, and leaves out the MISSING ones', async () => {
      ecsMock.on(DescribeTasksCommand).resolves({
        tasks: [runningTask(1), { ...runningTask(2), lastStatus: 'STOPPED' }],
        failures: [{ arn: taskArn(3), reason: 'MISSING' }],
      });

      const tasks = await runner.describe([taskArn(1), taskArn(2), taskArn(3)]);

      expect(tasks.map((t) => [t.taskArn, t.lastStatus])).toEqual([
        [taskArn(1), 'RUNNING'],
        [taskArn(2), 'STOPPED'],
      ]);
    });

    it('fails rather than call a task gone when ECS could not say (a failure other than MISSING)', async () => {
      ecsMock.on(DescribeTasksCommand).resolves({ tasks: [], failures: [{ arn: taskArn(1), reason: 'INTERNAL' }] });

      await expect(runner.describe([taskArn(1)])).rejects.toBeInstanceOf(UnavailableError);
    });

    it('splits 250 tasks into 3 calls and makes none for an empty list', async () => {
      ecsMock.on(DescribeTasksCommand).resolves({ tasks: [] });

      await runner.describe([]);
      expect(ecsMock.commandCalls(DescribeTasksCommand)).toHaveLength(0);

      await runner.describe(Array.from({ length: 250 }, (_, i) => taskArn(i)));
      expect(ecsMock.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input.tasks?.length)).toEqual([100, 100, 50]);
    });
  });
});
