// The starter handler (the start queue's consumer): each SQS record is one start; a throttled start
// is queued again and its message succeeds; a start that failed in a way a redelivery may fix is
// reported in batchItemFailures (only it comes back); a malformed body is dropped.
import { type SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { UnauthorizedError, UnavailableError } from '../../../lambdas/domain/errors';
import { makeStarterHandler } from '../../../lambdas/handlers/starter';
import { type StartQueue, type StartRequest } from '../../../lambdas/ports/start-queue';
import { createSession } from '../../../lambdas/use-cases/create-session';
import { RecordingLog, TEST_TASK_MARKER, makeDeps, throttled } from '../../support/fakes';
import { lambdaContext } from '../../support/apigw-events';

const sqsEvent = (bodies: string[]): SQSEvent => ({
  Records: bodies.map((body, i) => ({
    messageId: `m-${i}`,
    receiptHandle: `r-${i}`,
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'test', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:starts',
    awsRegion: 'eu-west-1',
  })),
});

const setup = () => {
  const queued: { request: StartRequest; delaySeconds: number }[] = [];
  const startQueue: StartQueue = {
    enqueue: (request, delaySeconds = 0) => {
      queued.push({ request, delaySeconds });
      return Promise.resolve();
    },
  };
  const deps = { ...makeDeps(), startQueue };
  const jwtVerifier = { verify: () => Promise.reject(new UnauthorizedError('no tokens here')) };
  const starter = makeStarterHandler({
    deps: () => ({ ...deps, jwtVerifier, adminGroup: 'admins', taskMarker: TEST_TASK_MARKER }),
    log: new RecordingLog(),
  });
  return { deps, queued, invoke: (event: SQSEvent) => starter(event, lambdaContext('session-expiry-starter')) };
};

describe('starter handler', () => {
  it('starts each queued session; a throttled one is queued again and its message succeeds; a store fault comes back', async () => {
    const { deps, queued, invoke } = setup();
    const a = await createSession(deps, { ownerId: 'user-1', profile: 'notebook' });
    const b = await createSession(deps, { ownerId: 'user-2', profile: 'notebook' });
    const c = await createSession(deps, { ownerId: 'user-3', profile: 'notebook' });
    const [ra, rb, rc] = queued.splice(0).map((q) => JSON.stringify(q.request));
    deps.tasks.failures.failWhen('start', ([request]) =>
      (request as { sessionId: string }).sessionId === b.session.id ? new UnavailableError('throttled') : undefined,
    );
    deps.store.failures.failWhen('get', ([id]) => (id === c.session.id ? throttled() : undefined));

    const answer = await invoke(sqsEvent([ra ?? '', rb ?? '', rc ?? '', 'not json']));

    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }] });
    expect(deps.tasks.taskOf(a.session.id)).toBeDefined();
    expect(deps.tasks.taskOf(b.session.id)).toBeUndefined();
    expect(queued.map((q) => q.request)).toEqual([{ sessionId: b.session.id, activityToken: b.activityToken, attempt: 2 }]);
  });
});
