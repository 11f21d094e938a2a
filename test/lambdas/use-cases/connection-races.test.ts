// Connection reports racing on the real store (dynalite): every report is one version-conditioned
// write of the whole connection set, so tabs that connect and disconnect at once never lose each
// other's ids, and a retried disconnect never closes another tab.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbIdempotencyKeys } from '../../../lambdas/adapters/dynamodb/dynamodb-idempotency-keys';
import { DynamoDbOwnerSlots } from '../../../lambdas/adapters/dynamodb/dynamodb-owner-slots';
import { DynamoDbSessionStore } from '../../../lambdas/adapters/dynamodb/dynamodb-session-store';
import { UnavailableError } from '../../../lambdas/domain/errors';
import { createSession } from '../../../lambdas/use-cases/create-session';
import { handleTaskEvent } from '../../../lambdas/use-cases/handle-task-event';
import { recordHeartbeat } from '../../../lambdas/use-cases/record-heartbeat';
import { type DynaliteHandle, startDynalite } from '../../support/dynalite';
import { type FakeDeps, makeDeps } from '../../support/fakes';
import { OWNER } from './steps';

const owner = { type: 'owner', ownerId: OWNER } as const;
const TABS = 8;

describe('connection reports racing on the real store (dynalite)', () => {
  let dynamo: DynaliteHandle;
  let d: FakeDeps<{ store: DynamoDbSessionStore; idempotencyKeys: DynamoDbIdempotencyKeys; ownerSlots: DynamoDbOwnerSlots }>;

  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => {
    await dynamo?.stop();
  });
  beforeEach(() => {
    const { doc, tables } = dynamo;
    d = makeDeps({
      stores: {
        store: new DynamoDbSessionStore({ client: doc, tableName: tables.sessions, shardCount: 4, retentionDays: 30 }),
        idempotencyKeys: new DynamoDbIdempotencyKeys({ client: doc, tableName: tables.idempotency }),
        ownerSlots: new DynamoDbOwnerSlots({ client: doc, tableName: tables.idempotency }),
      },
    });
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
});
