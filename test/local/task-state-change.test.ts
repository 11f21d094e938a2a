// What the local task runner reports becomes the `ECS Task State Change` event EventBridge would
// deliver, and the task-event handler reads from it what it reads on AWS.
import { describe, expect, it } from 'vitest';
import * as v from '../../contract/valibot';
import { taskStateChangeSchema, toTaskEventInput } from '../../lambdas/handlers/task-event';
import { toTaskStateChange } from '../../local/task-state-change';

const SESSION_ID = '7d0f3c2e-5b1a-4c8e-9f00-1234567890ab';
const TASK_ARN = `local:task/${SESSION_ID}/4242`;
const MARKER = 'se-local-0a1b2c3d';

describe('local ECS Task State Change events', () => {
  it('carry the task, its status and its session as the handler reads them', () => {
    const event = toTaskStateChange({ taskArn: TASK_ARN, lastStatus: 'STOPPED', sessionId: SESSION_ID, stoppedReason: 'exited with code 0' }, MARKER);

    const parsed = v.parse(taskStateChangeSchema, event);

    expect(toTaskEventInput(parsed.detail)).toEqual({
      taskArn: TASK_ARN,
      lastStatus: 'STOPPED',
      sessionId: SESSION_ID,
      stoppedReason: 'exited with code 0',
    });
    expect(parsed.detail.startedBy).toBe(MARKER);
  });

  it('come in the envelope EventBridge wraps them in', () => {
    const event = toTaskStateChange({ taskArn: TASK_ARN, lastStatus: 'RUNNING', sessionId: SESSION_ID }, MARKER, Date.parse('2026-03-10T12:00:00.123Z'));

    expect(event).toMatchObject({
      version: '0',
      'detail-type': 'ECS Task State Change',
      source: 'aws.ecs',
      time: '2026-03-10T12:00:00Z',
      resources: [TASK_ARN],
    });
    expect(event.detail).not.toHaveProperty('stoppedReason');
  });
});
