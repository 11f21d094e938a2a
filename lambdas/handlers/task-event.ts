// The task-event Lambda: target of the EventBridge rule on `ECS Task State Change`. Finds the
// session from the task's SESSION_ID container override and hands the change to the use case.
// Events are at-least-once and unordered; the use case's conditional writes make that safe.
// Unexpected errors throw, so EventBridge retries and then dead-letters the event.
import middy from '@middy/core';
import { DEFAULT_TASK_MARKER, ECS_TASK_STATE_CHANGE } from '../../contract/ecs-tasks';
import * as z from '../../contract/zod-mini';
import { taskEventSetup } from '../roots/task-event-root';
import { type RecordEndedDeps } from '../use-cases/end-session';
import { type TaskEventInput, type TaskEventOutcome, handleTaskEvent } from '../use-cases/handle-task-event';
import { initOnLambda } from '../wiring';
import { parseAsyncEvent, runAsyncInvocation } from './async-runner';
import { type HandlerSetup } from './handler-setup';
import { observabilityMiddlewares } from './observability-middleware';

initOnLambda(taskEventSetup);

const environmentEntry = z.object({ name: z.optional(z.string()), value: z.optional(z.string()) });

// Loose objects: ECS events carry many more fields than we read.
export const taskStateChangeSchema = z.object({
  'detail-type': z.literal(ECS_TASK_STATE_CHANGE.detailType),
  detail: z.object({
    taskArn: z.string().check(z.minLength(1)),
    lastStatus: z.string().check(z.minLength(1)),
    stoppedReason: z.optional(z.string()),
    startedBy: z.optional(z.string()),
    version: z.optional(z.number().check(z.int())),
    overrides: z.optional(
      z.object({
        containerOverrides: z.optional(z.array(z.object({ environment: z.optional(z.array(environmentEntry)) }))),
      }),
    ),
  }),
});

type TaskStateChange = z.output<typeof taskStateChangeSchema>;

/** An `ECS Task State Change` event, down to the fields this handler reads (EventBridge sends many more). */
export type TaskStateChangeEvent = z.input<typeof taskStateChangeSchema>;

export type TaskEventHandlerResult = { outcome: TaskEventOutcome | 'dropped' | 'ignored' | 'conflict' };

const SESSION_ID = z.uuid();

/** SESSION_ID as the task was started with it; none when absent or not a session id. */
const sessionIdOf = (detail: TaskStateChange['detail']): string | undefined => {
  for (const override of detail.overrides?.containerOverrides ?? []) {
    const value = override.environment?.find((e) => e.name === 'SESSION_ID')?.value;
    if (value !== undefined && SESSION_ID.safeParse(value).success) return value.toLowerCase();
  }
  return undefined;
};

export const toTaskEventInput = (detail: TaskStateChange['detail']): TaskEventInput => {
  const sessionId = sessionIdOf(detail);
  return {
    taskArn: detail.taskArn,
    lastStatus: detail.lastStatus,
    ...(sessionId !== undefined && { sessionId }),
    ...(detail.stoppedReason !== undefined && { stoppedReason: detail.stoppedReason }),
    ...(detail.version !== undefined && { eventVersion: detail.version }),
  };
};

export const makeTaskEventHandler = ({ deps, log }: HandlerSetup<RecordEndedDeps>) => {
  const onTaskEvent = async (event: unknown): Promise<TaskEventHandlerResult> => {
    const change = parseAsyncEvent(log, taskStateChangeSchema, event, 'task state change');
    if (change === undefined) return { outcome: 'dropped' };
    // The rule matches our cluster; other services' tasks there are none of our business.
    if (change.detail.startedBy !== undefined && change.detail.startedBy !== DEFAULT_TASK_MARKER) return { outcome: 'ignored' };
    const input = toTaskEventInput(change.detail);
    const context = { taskArn: input.taskArn, lastStatus: input.lastStatus, sessionId: input.sessionId, eventVersion: input.eventVersion };
    return runAsyncInvocation(log, 'task event', context, () => handleTaskEvent(deps(), input));
  };
  return middy<unknown, TaskEventHandlerResult>().use(observabilityMiddlewares()).handler(onTaskEvent);
};

export const handler = makeTaskEventHandler(taskEventSetup);
