// The handler of `EBS Snapshot Notification` events (README "Workspaces"): a `createSnapshot` that
// succeeded or failed, for any snapshot of the account; the use case tells ours by its tags. Deployed
// in the task-event function (handlers/task-event.ts), whose rule for these events is beside its own.
// Malformed events are dropped; unexpected errors throw, so EventBridge retries and dead-letters.
import middy from '@middy/core';
import { EBS_SNAPSHOT_NOTIFICATION, WORKSPACE_SNAPSHOT_EVENT } from '../../contract/ebs-events';
import * as v from '../../contract/valibot';
import { type SnapshotOutcome, finishWorkspaceSave } from '../use-cases/finish-workspace-save';
import { type UseCaseDeps } from '../use-cases/use-case-deps';
import { parseAsyncEvent, runAsyncInvocation } from './async-runner';
import { type HandlerSetup } from './handler-setup';
import { observabilityMiddlewares } from './observability-middleware';

export { EBS_SNAPSHOT_NOTIFICATION };

// Loose objects: EBS events carry more fields than we read (cause, request-id, times).
export const snapshotNotificationSchema = v.object({
  'detail-type': v.literal(EBS_SNAPSHOT_NOTIFICATION.detailType),
  detail: v.object({
    event: v.string(),
    result: v.string(),
    // The snapshot's ARN, `arn:aws:ec2:<region>::snapshot/snap-…`.
    snapshot_id: v.pipe(v.string(), v.regex(/snapshot\/snap-[0-9a-f]+$/, 'must be a snapshot ARN')),
  }),
});

export type SnapshotNotificationEvent = v.InferInput<typeof snapshotNotificationSchema>;

export type SnapshotEventDeps = Pick<UseCaseDeps, 'workspaces' | 'scheduler' | 'clock' | 'log' | 'metrics'>;

export type SnapshotEventHandlerResult = { outcome: SnapshotOutcome | 'dropped' | 'ignored' | 'conflict' };

/** The handling itself, without the middlewares: the task-event handler runs it inside its own. */
export const snapshotEventHandling = ({ deps, log }: HandlerSetup<SnapshotEventDeps>) =>
  async (event: unknown): Promise<SnapshotEventHandlerResult> => {
    const parsed = parseAsyncEvent(log, snapshotNotificationSchema, event, 'EBS snapshot notification');
    if (parsed === undefined) return { outcome: 'dropped' };
    const { detail } = parsed;
    // Copies and shares of snapshots are notified too; only a finished createSnapshot matters.
    if (detail.event !== WORKSPACE_SNAPSHOT_EVENT || (detail.result !== 'succeeded' && detail.result !== 'failed')) return { outcome: 'ignored' };
    const snapshotId = detail.snapshot_id.slice(detail.snapshot_id.lastIndexOf('/') + 1);
    return runAsyncInvocation(log, 'EBS snapshot notification', { snapshotId, result: detail.result }, () =>
      finishWorkspaceSave(deps(), { snapshotId, succeeded: detail.result === 'succeeded' }),
    );
  };

export const makeSnapshotEventHandler = (setup: HandlerSetup<SnapshotEventDeps>) =>
  middy<unknown, SnapshotEventHandlerResult>().use(observabilityMiddlewares()).handler(snapshotEventHandling(setup));
