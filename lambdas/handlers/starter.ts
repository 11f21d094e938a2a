// The starter: takes queued session starts off the start queue (README "Starting at the rate ECS
// allows") and runs the start-session use case for each. An SQS event source; each message body is
// a StartRequest. A throttled start is queued again by the use case (with a delay) and its message
// succeeds; a message whose start failed in a way a redelivery may fix (the table was unavailable)
// is reported in `batchItemFailures`, so only it comes back, after the visibility timeout, and
// after maxReceiveCount receives it goes to the dead-letter queue (its session is then ended by
// the sweep, as a stuck start). A malformed body is dropped: no redelivery can fix it.
// On AWS the starter function's SQS event source mapping (ReportBatchItemFailures, bounded
// maximum concurrency) invokes `handler`; locally the in-process start queue calls the factory.
import middy from '@middy/core';
import { type SQSBatchResponse, type SQSEvent } from 'aws-lambda';
import { type StartRequest } from '../ports/start-queue';
import { starterSetup } from '../roots/starter-root';
import { type StartSessionDeps, startSession } from '../use-cases/start-session';
import { type UseCaseDeps } from '../use-cases/use-case-deps';
import { initOnLambda } from '../wiring';
import { parseAsyncEvent, runAsyncInvocation } from './async-runner';
import { type HandlerSetup } from './handler-setup';
import { observabilityMiddlewares } from './observability-middleware';
import { sessionIdSchema } from '../../contract/session-id';
import * as v from '../../contract/valibot';

initOnLambda(starterSetup);

/** What a start needs; the queue may be absent in `HandlerDeps` (a local stack without one), which fails each start. */
export type StarterDeps = Omit<StartSessionDeps, 'startQueue'> & Pick<UseCaseDeps, 'startQueue'>;

export const startRequestSchema = v.object({
  sessionId: sessionIdSchema,
  activityToken: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  attempt: v.pipe(v.number(), v.integer(), v.minValue(1)),
}) satisfies v.GenericSchema<unknown, StartRequest>;

const parseBody = (body: string): unknown => {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
};

export const makeStarterHandler = ({ deps, log }: HandlerSetup<StarterDeps>) => {
  const start = async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      const request = parseAsyncEvent(log, startRequestSchema, parseBody(record.body), 'start request');
      if (request === undefined) continue;
      try {
        const handlerDeps = deps();
        const { startQueue } = handlerDeps;
        if (startQueue === undefined) throw new Error('the starter has no start queue to queue retries on');
        await runAsyncInvocation(log, 'start request', { sessionId: request.sessionId, attempt: request.attempt }, () =>
          startSession({ ...handlerDeps, startQueue }, request),
        );
      } catch {
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
  return middy<SQSEvent, SQSBatchResponse>().use(observabilityMiddlewares()).handler(start);
};

export const handler = makeStarterHandler(starterSetup);
