// Connection reports racing on the real store (dynalite): every report is one version-conditioned
// write of the whole connection set, so tabs that connect and disconnect at once never lose each
// other's ids, and a retried disconnect never closes another tab. Reports carrying usage above the
// resource warning threshold, racing, warn once (README "Resource warnings").
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../../lambdas/domain/errors';
import { createSession } from '../../../lambdas/use-cases/create-session';
import { handleTaskEvent } from '../../../lambdas/use-cases/handle-task-event';
import { recordHeartbeat } from '../../../lambdas/use-cases/record-heartbeat';
import { type DynaliteHandle, type DynamoDbStores, dynamoDbStores, startDynalite } from '../../support/dynalite';
import { iso } from '../../../lambdas/domain/session';
import { type FakeDeps, T0, makeDeps } from '../../support/fakes';
import { OWNER } from './steps';

const owner = { type: 'owner', ownerId: OWNER } as const;
const TABS = 8;

describe('connection reports racing on the real store (dynalite)', () => {
  let dynamo: DynaliteHandle;
  let d: FakeDeps<DynamoDbStores>;

  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => {
    await dynamo?.stop();
  });
  beforeEach(() => {
    d = makeDeps({ stores: dynamoDbStores(dynamo) });
  });

  /** One report, retried on 503 as a client would (the retry is one more duplicate). */
  const send = async (sessionId: string, kind: 'connect' | 'disconnect', connectionId: string): Promise<void> => {
    for (;;) {
      try {
        await recordHeartbeat(d, { id: sessionId, kind, connectionId, auth: owner });
        return;
      } catch (error) {
        if (!(error instanceof UnavailableError)) throw error;
      }
    }
  };

  it(`${TABS} tabs connect at once, then the odd ones disconnect at once, each twice: the even ones stay open`, async () => {
    const { session } = await createSession(d, { ownerId: OWNER, profile: 'lab' });
    await handleTaskEvent(d, { taskArn: session.taskArn ?? '', lastStatus: 'RUNNING', sessionId: session.id });
    const tabs = Array.from({ length: TABS }, (_, i) => `tab-${i}`);

    await Promise.all(tabs.map((tab) => send(session.id, 'connect', tab)));
    const odd = tabs.filter((_, i) => i % 2 === 1);
    await Promise.all([...odd, ...odd].map((tab) => send(session.id, 'disconnect', tab)));

    const record = await d.store.get(session.id);
    expect(Object.keys(record?.openConnections ?? {}).sort()).toEqual(tabs.filter((_, i) => i % 2 === 0));
    expect(record?.disconnectedAt).toBeUndefined();
    expect(record?.expiryReason).toBe('idle_timeout');
  });

  /** A ping carrying the task's usage (README "Resource warnings"). */
  const usage = (sessionId: string, reading: { memoryPercent: number }) => recordHeartbeat(d, { id: sessionId, kind: 'ping', usage: reading, auth: owner });

  it('reports racing above the threshold warn once; a drop removes the attribute, the next crossing warns again', async () => {
    const { session } = await createSession(d, { ownerId: OWNER, profile: 'notebook' });
    await handleTaskEvent(d, { taskArn: session.taskArn ?? '', lastStatus: 'RUNNING', sessionId: session.id });

    await Promise.all([91, 92, 93, 94, 95, 96].map((memoryPercent) => usage(session.id, { memoryPercent })));

    expect(d.events.ofType('Session Resource Warning')).toHaveLength(1);
    expect((await d.store.get(session.id))?.resourceWarnings).toEqual([
      { resource: 'memory', percent: d.events.ofType('Session Resource Warning')[0]?.detail.percent, since: iso(T0) },
    ]);

    await usage(session.id, { memoryPercent: 10 });
    expect((await d.store.get(session.id))?.resourceWarnings).toBeUndefined();
    await usage(session.id, { memoryPercent: 90 });
    expect(d.events.ofType('Session Resource Warning')).toHaveLength(2);
  });
});
