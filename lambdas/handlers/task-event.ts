// The task-event Lambda: target of the EventBridge rule on `ECS Task State Change`. Finds the
// session from the task's SESSION_ID container override and hands the change to the use case.
// Events are at-least-once and unordered; the use case orders them by the event's `version` and
// decides the end from what the event says of the task (`startedAt`, `stopCode`, `stoppedReason`).
// Unexpected errors throw, so EventBridge retries and then dead-letters the event. The function is
// also the target of `EBS Snapshot Notification` events (snapshot-event.ts, README "Workspaces"):
// it already holds every client their handling needs, so they cost no cold start of their own.
import middy from '@middy/core';
import { ECS_TASK_STATE_CHANGE } from '../../contract/ecs-tasks';
import { sessionIdSchema } from '../../contract/session-id';
import * as v from '../../contract/valibot';
import { type TaskEventDeps, taskEventSetup } from '../roots/task-event-root';
import { type TaskEventInput, type TaskEventOutcome, handleTaskEvent } from '../use-cases/handle-task-event';
import { initOnLambda } from '../wiring';
import { parseAsyncEvent, runAsyncInvocation } from './async-runner';
import { type HandlerSetup } from './handler-setup';
import { observabilityMiddlewares } from './observability-middleware';
import { EBS_SNAPSHOT_NOTIFICATION, type SnapshotEventHandlerResult, snapshotEventHandling } from './snapshot-event';

initOnLambda(taskEventSetup);

const environmentEntry = v.object({ name: v.optional(v.string()), value: v.optional(v.string()) });

// Loose objects: ECS events carry many more fields than we read.
export const taskStateChangeSchema = v.object({
  'detail-type': v.literal(ECS_TASK_STATE_CHANGE.detailType),
  detail: v.object({
    taskArn: v.pipe(v.string(), v.minLength(1)),
    lastStatus: v.pipe(v.string(), v.minLength(1)),
    stoppedReason: v.optional(v.string()),
    stopCode: v.optional(v.string()),
    // ISO 8601; a value that is not one is ignored rather than the event dropped (see isoOf).
    startedAt: v.optional(v.string()),
    startedBy: v.optional(v.string()),
    version: v.optional(v.pipe(v.number(), v.integer())),
    overrides: v.optional(
      v.object({
        containerOverrides: v.optional(v.array(v.object({ environment: v.optional(v.array(environmentEntry)) }))),
      }),
    ),
  }),
});

type TaskStateChange = v.InferOutput<typeof taskStateChangeSchema>;

/** An `ECS Task State Change` event, down to the fields this handler reads (EventBridge sends many more). */
export type TaskStateChangeEvent = v.InferInput<typeof taskStateChangeSchema>;

export type TaskEventHandlerResult = { outcome: TaskEventOutcome | 'dropped' | 'ignored' | 'conflict' };

/** SESSION_ID as the task was started with it; none when absent or not a session id. */
const sessionIdOf = (detail: TaskStateChange['detail']): string | undefined => {
  for (const override of detail.overrides?.containerOverrides ?? []) {
    const value = override.environment?.find((e) => e.name === 'SESSION_ID')?.value;
    const parsed = v.safeParse(sessionIdSchema, value);
    if (parsed.success) return parsed.output;
  }
  return undefined;
};

/** A timestamp as the record keeps them (ISO, UTC, milliseconds), or undefined if it is not one. */
const isoOf = (value: string | undefined): string | undefined => {
  const epochMs = value === undefined ? Number.NaN : Date.parse(value);
  return Number.isNaN(epochMs) ? undefined : new Date(epochMs).toISOString();
};

export const toTaskEventInput = (detail: TaskStateChange['detail']): TaskEventInput => {
  const sessionId = sessionIdOf(detail);
  const startedAt = isoOf(detail.startedAt);
  return {
    taskArn: detail.taskArn,
    lastStatus: detail.lastStatus,
    ...(sessionId !== undefined && { sessionId }),
    ...(detail.stoppedReason !== undefined && { stoppedReason: detail.stoppedReason }),
    ...(detail.stopCode !== undefined && { stopCode: detail.stopCode }),
    ...(startedAt !== undefined && { startedAt }),
    ...(detail.version !== undefined && { eventVersion: detail.version }),
  };
};

const isSnapshotNotification = (event: unknown): boolean =>
  typeof event === 'object' && event !== null && (event as Record<string, unknown>)['detail-type'] === EBS_SNAPSHOT_NOTIFICATION.detailType;

export const makeTaskEventHandler = ({ deps, log }: HandlerSetup<TaskEventDeps>) => {
  const onSnapshot = snapshotEventHandling({ deps, log });
  const onTaskEvent = async (event: unknown): Promise<TaskEventHandlerResult | SnapshotEventHandlerResult> => {
    if (isSnapshotNotification(event)) return onSnapshot(event);
    const change = parseAsyncEvent(log, taskStateChangeSchema, event, 'task state change');
    if (change === undefined) return { outcome: 'dropped' };
    // The rule matches our cluster and marker; a task without our marker (another deployment's, another
    // service's, one started by hand) is none of our business, even if an event of it reaches us.
    if (change.detail.startedBy !== deps().taskMarker) return { outcome: 'ignored' };
    const input = toTaskEventInput(change.detail);
    const context = { taskArn: input.taskArn, lastStatus: input.lastStatus, sessionId: input.sessionId, eventVersion: input.eventVersion };
    return runAsyncInvocation(log, 'task event', context, () => handleTaskEvent(deps(), input));
  };
  return middy<unknown, TaskEventHandlerResult | SnapshotEventHandlerResult>().use(observabilityMiddlewares()).handler(onTaskEvent);
};

export const handler = makeTaskEventHandler(taskEventSetup);
