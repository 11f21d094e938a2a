// EventPublisher on the stack's EventBridge bus: one entry per domain event (the contract's source,
// detail-type = the event's type, one of the contract's), at most 10 entries per PutEvents call.
// PutEvents answers 200 even when entries fail, so FailedEntryCount is checked explicitly.
import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { type DomainEventType, EVENT_SOURCE } from '../../../contract/domain-events';
import { type EventPublisher, type SessionEvent } from '../../ports/event-publisher';
import { classifyAwsError } from './aws-errors';
/** PutEvents accepts at most this many entries per call. */
const PUT_EVENTS_BATCH = 10;

export interface EventBridgeEventPublisherOptions {
  eventBusName: string;
  /** Default the contract's EVENT_SOURCE. */
  source?: string;
}

export class EventBridgeEventPublisher implements EventPublisher {
  constructor(
    private readonly eventBridge: EventBridgeClient,
    private readonly options: EventBridgeEventPublisherOptions,
  ) {}

  async publish(events: readonly SessionEvent[]): Promise<void> {
    const entries: PutEventsRequestEntry[] = events.map((event) => ({
      EventBusName: this.options.eventBusName,
      Source: this.options.source ?? EVENT_SOURCE,
      // Subscribers match on the detail-type: an event type outside the contract does not compile.
      DetailType: event.type satisfies DomainEventType,
      Detail: JSON.stringify(event.detail),
    }));
    // Every batch is tried even when one fails, so one bad batch does not drop the others' events.
    let failed = 0;
    const codes = new Set<string>();
    let callError: unknown;
    for (let i = 0; i < entries.length; i += PUT_EVENTS_BATCH) {
      const batch = entries.slice(i, i + PUT_EVENTS_BATCH);
      try {
        const response = await this.eventBridge.send(new PutEventsCommand({ Entries: batch }));
        const count = response.FailedEntryCount ?? 0;
        if (count > 0) {
          failed += count;
          for (const entry of response.Entries ?? []) if (entry.ErrorCode) codes.add(entry.ErrorCode);
        }
      } catch (error) {
        failed += batch.length;
        callError ??= error;
      }
    }
    if (failed === 0) return;
    if (callError !== undefined && codes.size === 0) throw classifyAwsError(callError, 'EventBridge PutEvents');
    const why = codes.size > 0 ? ` (${[...codes].sort().join(', ')})` : '';
    throw new Error(`EventBridge PutEvents: ${failed} of ${entries.length} events failed${why}`, { cause: callError });
  }
}
