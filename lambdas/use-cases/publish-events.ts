// Domain events are best-effort. When we publish, the session record (the source of truth) is
// already committed: failing the request, or making a retry redo a transition that already
// happened, would be worse than one lost notification, which is logged and counted for an alarm.
import { type SessionEvent } from '../ports/event-publisher';
import { type UseCaseDeps } from './use-case-deps';

export const publishEvents = async (
  deps: Pick<UseCaseDeps, 'events' | 'log' | 'metrics'>,
  events: readonly SessionEvent[],
): Promise<void> => {
  if (events.length === 0) return;
  try {
    await deps.events.publish(events);
  } catch (error) {
    deps.log.error('could not publish events', { types: events.map((e) => e.type), error: String(error) });
    deps.metrics.count('EventPublishFailures', events.length);
  }
};
