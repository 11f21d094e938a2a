// The expire Lambda: the target of each session's one-time EventBridge Scheduler schedule, and of
// each workspace's (README "Workspaces"). Payload `{sessionId, scheduleName}`, or
// `{workspace: {ownerId, profile}, scheduleName}`. Expected outcomes (stale fire, already ended, re-armed,
// stopping, stop sent again) return normally; a failure that a retry may fix throws, so Lambda's
// retries and then the on-failure destination see it. A failed StopTask is one of those: the
// retried fire sends the stop again (README "Why three layers"). A malformed payload is dropped:
// no retry can fix it.
import middy from '@middy/core';
import { sessionIdSchema } from '../../contract/session-id';
import * as v from '../../contract/valibot';
import { expireSetup } from '../roots/expire-root';
import { type EndSessionDeps } from '../use-cases/end-session';
import { type ExpireOutcome, expireSession } from '../use-cases/expire-session';
import { type ExpireWorkspaceOutcome, expireWorkspace } from '../use-cases/expire-workspace';
import { WORKSPACE_SCHEDULE_NAME } from '../domain/workspace';
import { initOnLambda } from '../wiring';
import { parseAsyncEvent, runAsyncInvocation } from './async-runner';
import { type HandlerSetup } from './handler-setup';
import { observabilityMiddlewares } from './observability-middleware';

initOnLambda(expireSetup);

export const expiryFireSchema = v.object({
  sessionId: sessionIdSchema,
  // `<sessionId>-<n>`, as arm-schedule names them.
  scheduleName: v.pipe(v.string(), v.regex(/^[0-9A-Fa-f-]{36}-\d{1,9}$/, 'must be <sessionId>-<n>')),
});

export const workspaceFireSchema = v.strictObject({
  workspace: v.strictObject({ ownerId: v.pipe(v.string(), v.minLength(1)), profile: v.pipe(v.string(), v.minLength(1)) }),
  scheduleName: v.pipe(v.string(), v.regex(WORKSPACE_SCHEDULE_NAME, 'must be ws-<id>-<n>')),
});

/** The Scheduler target's input (eventbridge-scheduler.ts writes it), as the function receives it. */
export type ExpiryFireEvent = v.InferInput<typeof expiryFireSchema> | v.InferInput<typeof workspaceFireSchema>;

export type ExpireHandlerResult = { outcome: ExpireOutcome | ExpireWorkspaceOutcome | 'dropped' | 'conflict' };

export const makeExpireHandler = ({ deps, log }: HandlerSetup<EndSessionDeps>) => {
  const expire = async (event: unknown): Promise<ExpireHandlerResult> => {
    if (typeof event === 'object' && event !== null && 'workspace' in event) {
      const fire = parseAsyncEvent(log, workspaceFireSchema, event, 'workspace fire');
      if (fire === undefined) return { outcome: 'dropped' };
      // The owner id stays out of the log line: the schedule name names the workspace.
      return runAsyncInvocation(log, 'workspace fire', { scheduleName: fire.scheduleName }, () => expireWorkspace(deps(), fire));
    }
    const fire = parseAsyncEvent(log, expiryFireSchema, event, 'expiry fire');
    if (fire === undefined) return { outcome: 'dropped' };
    return runAsyncInvocation(log, 'expiry fire', { ...fire }, () => expireSession(deps(), fire));
  };
  return middy<unknown, ExpireHandlerResult>().use(observabilityMiddlewares()).handler(expire);
};

export const handler = makeExpireHandler(expireSetup);
