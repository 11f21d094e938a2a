// EventBridgeEventPublisher against a mocked EventBridge client: entries shaped for rules to match
// on, batches of 10, and failed entries surfaced instead of lost.
import { EventBridgeClient, PutEventsCommand, ThrottlingException } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeEventPublisher } from '../../../../lambdas/adapters/aws/eventbridge-event-publisher';
import { UnavailableError } from '../../../../lambdas/domain/errors';
import { type SessionEvent } from '../../../../lambdas/ports/event-publisher';

const BUS = 'session-expiry-bus';

const ended = (n: number): SessionEvent => ({
  type: 'Session Ended',
  detail: { sessionId: `s-${n}`, ownerId: 'alice', reason: 'idle_timeout', endedAt: '2030-01-01T00:00:00.000Z' },
});

describe('EventBridgeEventPublisher', () => {
  const client = new EventBridgeClient({ region: 'eu-west-1' });
  const eventsMock = mockClient(client);
  const publisher = new EventBridgeEventPublisher(client, { eventBusName: BUS });

  beforeEach(() => eventsMock.reset());

  it('puts each event on the bus with the session-expiry source and its type as detail-type', async () => {
    eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const created: SessionEvent = {
      type: 'Session Created',
      detail: { sessionId: 's-1', ownerId: 'alice', profile: 'notebook', expiresAt: '2030-01-01T01:00:00.000Z' },
    };

    await publisher.publish([created]);

    const entries = eventsMock.commandCalls(PutEventsCommand)[0].args[0].input.Entries!;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ EventBusName: BUS, Source: 'session-expiry', DetailType: 'Session Created' });
    expect(JSON.parse(entries[0].Detail!)).toEqual(created.detail);
  });

  it('sends 25 events in calls of 10, 10 and 5', async () => {
    eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });

    await publisher.publish(Array.from({ length: 25 }, (_, i) => ended(i)));

    const sizes = eventsMock.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length);
    expect(sizes).toEqual([10, 10, 5]);
  });

  it('makes no call for no events', async () => {
    await publisher.publish([]);

    expect(eventsMock.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('throws an error naming how many events failed, after trying every batch', async () => {
    eventsMock
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [{ EventId: '1' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'x' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'x' }],
      })
      .resolves({ FailedEntryCount: 0 });

    const publish = publisher.publish(Array.from({ length: 12 }, (_, i) => ended(i)));

    await expect(publish).rejects.toThrow('2 of 12 events failed (InternalFailure)');
    expect(eventsMock.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  it('turns a throttled PutEvents into UnavailableError', async () => {
    eventsMock.on(PutEventsCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));

    await expect(publisher.publish([ended(1)])).rejects.toBeInstanceOf(UnavailableError);
  });
});
