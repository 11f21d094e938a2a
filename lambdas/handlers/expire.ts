// The expire Lambda: the target of each session's one-time EventBridge Scheduler schedule.
// Payload `{sessionId, scheduleName}`. Expected outcomes (stale fire, already ended, re-armed,
// stopping) return normally; a failure that a retry may fix throws, so Scheduler's retry policy
// and then its DLQ see it. A malformed payload is dropped: no retry can fix it.
import middy from '@middy/core';
import { z } from 'zod';
import { log } from '../adapters/observability/powertools';
import { type ExpireOutcome, expireSession } from '../use-cases/expire-session';
import { getDeps, initOnLambda } from '../wiring';
import { parseAsyncEvent, runAsyncInvocation } from './async-runner';
import { observabilityMiddlewares } from './observability-middleware';

initOnLambda();

export const expiryFireSchema = z.object({
  sessionId: z.uuid(),
  // `<sessionId>-<n>`, as arm-schedule names them.
  scheduleName: z.string().regex(/^[0-9A-Fa-f-]{36}-\d{1,9}$/, 'must be <sessionId>-<n>'),
});

export type ExpireHandlerResult = { outcome: ExpireOutcome | 'dropped' | 'conflict' };

const expire = async (event: unknown): Promise<ExpireHandlerResult> => {
  const fire = parseAsyncEvent(log, expiryFireSchema, event, 'expiry fire');
  if (fire === undefined) return { outcome: 'dropped' };
  return runAsyncInvocation(log, 'expiry fire', { ...fire }, () => expireSession(getDeps(), fire));
};

export const handler = middy<unknown, ExpireHandlerResult>().use(observabilityMiddlewares()).handler(expire);
