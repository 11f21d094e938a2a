// The task-event handler: ECS Task State Change events from EventBridge, matched to a session by
// the SESSION_ID container override; duplicates are no-ops; unexpected errors throw.
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../lambdas/handlers/task-event';
import { createSession } from '../../../lambdas/use-cases/create-session';
import { terminateSession } from '../../../lambdas/use-cases/terminate-session';
import { type FakeDeps, TEST_TASK_MARKER, throttled } from '../../support/fakes';
import { lambdaContext } from '../../support/apigw-events';
import { captureOutput } from '../../support/captured-output';
import { injectFakeDeps } from './fake-handler-deps';

let deps: FakeDeps;
let output: string[];

beforeEach(() => {
  deps = injectFakeDeps();
  output = [];
});

const invoke = (event: unknown) => captureOutput(output, () => handler(event, lambdaContext('session-expiry-task-event')));

/** An event as EventBridge delivers it for a task we started. */
const taskEvent = (detail: { taskArn: string; lastStatus: string; sessionId?: string; startedBy?: string; version?: number }) => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'ECS Task State Change',
  source: 'aws.ecs',
  account: '123456789012',
  time: '2026-03-10T12:00:00Z',
  region: 'eu-west-1',
  resources: [detail.taskArn],
  detail: {
    taskArn: detail.taskArn,
    lastStatus: detail.lastStatus,
    desiredStatus: detail.lastStatus,
    clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/sessions',
    startedBy: detail.startedBy ?? TEST_TASK_MARKER,
    version: detail.version ?? 1,
    ...(detail.lastStatus === 'STOPPED' && { stoppedReason: 'Essential container in task exited' }),
    overrides: {
      containerOverrides: [
        {
          name: 'session',
          environment: [
            ...(detail.sessionId === undefined ? [] : [{ name: 'SESSION_ID', value: detail.sessionId }]),
            { name: 'SESSION_API_URL', value: 'https://sessions.example.test' },
          ],
        },
      ],
    },
  },
});

const started = async () => {
  const { session } = await createSession(deps, { ownerId: 'user-1', profile: 'notebook' });
  return { id: session.id, taskArn: String(session.taskArn) };
};

describe('task-event handler', () => {
  it('marks a starting session running on RUNNING', async () => {
    const { id, taskArn } = await started();

    const result = await invoke(taskEvent({ taskArn, lastStatus: 'RUNNING', sessionId: id, version: 3 }));

    expect(result).toEqual({ outcome: 'running' });
    expect(deps.store.peek(id).status).toBe('running');
  });

  it('marks a stopping session stopped on STOPPED, and a duplicate delivery is a no-op', async () => {
    const { id, taskArn } = await started();
    await terminateSession(deps, { id, caller: { ownerId: 'user-1', isAdmin: false } });
    const event = taskEvent({ taskArn, lastStatus: 'STOPPED', sessionId: id, version: 5 });

    const first = await invoke(event);
    const again = await invoke(event);

    expect(first).toEqual({ outcome: 'stopped' });
    expect(again).toEqual({ outcome: 'noop' });
    expect(deps.store.peek(id)).toMatchObject({ status: 'stopped', endReason: 'user_request' });
  });

  it('reads when the task started and why it stopped, so a STOPPED before any RUNNING of a task that ran ends it as task_exited', async () => {
    const { id, taskArn } = await started();
    const event = taskEvent({ taskArn, lastStatus: 'STOPPED', sessionId: id, version: 4 });
    const detail = { ...event.detail, startedAt: '2026-03-10T12:00:30.5Z', stopCode: 'EssentialContainerExited' };

    const result = await invoke({ ...event, detail });

    expect(result).toEqual({ outcome: 'stopped' });
    expect(deps.store.peek(id)).toMatchObject({ status: 'stopped', endReason: 'task_exited', startedAt: '2026-03-10T12:00:30.500Z', taskEventVersion: 4 });
  });

  it('ignores a startedAt that is not a timestamp rather than dropping the event', async () => {
    const { id, taskArn } = await started();
    const event = taskEvent({ taskArn, lastStatus: 'RUNNING', sessionId: id, version: 2 });

    const result = await invoke({ ...event, detail: { ...event.detail, startedAt: 'soon' } });

    expect(result).toEqual({ outcome: 'running' });
    expect(deps.store.peek(id).startedAt).toBe(new Date(deps.clock.now()).toISOString());
  });

  it("reads the task's SESSION_ID by the session-id rule of every entry point: lower-cased, and only an RFC 9562 UUID", async () => {
    const { id, taskArn } = await started();

    expect(await invoke(taskEvent({ taskArn, lastStatus: 'RUNNING', sessionId: id.toUpperCase() }))).toEqual({ outcome: 'running' });
    expect(deps.store.peek(id).status).toBe('running');
    // 8-4-4-4-12 hex, but version 0: no session id (valibot's own uuid took it).
    expect(await invoke(taskEvent({ taskArn, lastStatus: 'STOPPED', sessionId: `${id.slice(0, 14)}0${id.slice(15)}` }))).toEqual({ outcome: 'unknown' });
  });

  it('passes a task without SESSION_ID on as unattributed', async () => {
    const { taskArn } = await started();

    const result = await invoke(taskEvent({ taskArn, lastStatus: 'STOPPED' }));

    expect(result).toEqual({ outcome: 'unknown' });
  });

  it("ignores tasks other services started in the cluster", async () => {
    const { id, taskArn } = await started();

    const result = await invoke(taskEvent({ taskArn, lastStatus: 'STOPPED', sessionId: id, startedBy: 'ecs-svc/123' }));

    expect(result).toEqual({ outcome: 'ignored' });
    expect(deps.store.peek(id).status).toBe('starting');
  });

  it("ignores tasks another deployment of session-expiry started in the cluster, and tasks without a marker", async () => {
    const { id, taskArn } = await started();
    const unmarked = taskEvent({ taskArn, lastStatus: 'RUNNING', sessionId: id });
    delete (unmarked.detail as { startedBy?: string }).startedBy;

    const results = [
      await invoke(taskEvent({ taskArn, lastStatus: 'RUNNING', sessionId: id, startedBy: 'se-SessionExpiryStateless-9f8e7d6c' })),
      await invoke(unmarked),
    ];

    expect(results).toEqual([{ outcome: 'ignored' }, { outcome: 'ignored' }]);
    expect(deps.store.peek(id).status).toBe('starting');
  });

  it.each([
    ['another detail-type', { 'detail-type': 'ECS Container Instance State Change', detail: { taskArn: 'a', lastStatus: 'RUNNING' } }],
    ['no taskArn', { 'detail-type': 'ECS Task State Change', detail: { lastStatus: 'RUNNING' } }],
    ['no detail', { 'detail-type': 'ECS Task State Change' }],
  ])('drops an event with %s', async (_, event) => {
    const result = await invoke(event);

    expect(result).toEqual({ outcome: 'dropped' });
  });

  it('throws on an unexpected store failure, so EventBridge retries', async () => {
    const { id, taskArn } = await started();
    deps.store.failures.failNext('get', throttled());

    await expect(invoke(taskEvent({ taskArn, lastStatus: 'RUNNING', sessionId: id }))).rejects.toThrow('Rate exceeded');
  });
});
