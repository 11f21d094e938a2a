// The local stand-in for the EventBridge API destination (README "Notifications"): every
// `Session Expiring`, `Session Ended`, `Session Resource Warning` and `Workspace Expiring` event is POSTed as JSON to the configured webhook, retried
// with backoff a bounded number of times, and each delivery or give-up logged. Best effort, like
// the AWS path: publish() only starts the delivery, so a slow or dead webhook never delays or fails
// the session write that raised the event.
import { type EventPublisher, type SessionEvent } from '../../lambdas/ports/event-publisher';
import { type Log } from '../../lambdas/ports/observability';
import { type NotificationBody, deleteWorkspaceRouteOf, extendRouteOf } from '../../contract/notifications';

export interface WebhookNotifierOptions {
  /** Attempts per notification, the first included (EventBridge retries too, see README). */
  attempts?: number;
  /** Wait before the first retry; doubled before each further one. */
  backoffMs?: number;
  /** Time one attempt may take. */
  timeoutMs?: number;
}

/** The body for a notified event; undefined for the events nobody is notified of. */
export const notificationOf = (event: SessionEvent): NotificationBody | undefined => {
  const { type } = event;
  if (type === 'Session Expiring') {
    const { sessionId, ownerId, reason, expiresAt } = event.detail;
    return { type, sessionId, ownerId, reason, deadline: expiresAt, extendRoute: extendRouteOf(sessionId) };
  }
  if (type === 'Session Ended') {
    const { sessionId, ownerId, reason, endedAt } = event.detail;
    return { type, sessionId, ownerId, reason, deadline: endedAt, extendRoute: extendRouteOf(sessionId) };
  }
  if (type === 'Session Resource Warning') {
    const { sessionId, ownerId, profile, resource, percent, threshold } = event.detail;
    return { type, sessionId, ownerId, profile, resource, percent, threshold };
  }
  if (type === 'Workspace Expiring') {
    const { ownerId, profile, deleteAt } = event.detail;
    return { type, ownerId, profile, reason: 'retention', deadline: deleteAt, deleteRoute: deleteWorkspaceRouteOf(profile) };
  }
  return undefined;
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class WebhookNotifier implements EventPublisher {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly url: string,
    private readonly log: Log,
    options: WebhookNotifierOptions = {},
  ) {
    this.attempts = options.attempts ?? 4;
    this.backoffMs = options.backoffMs ?? 500;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  publish(events: readonly SessionEvent[]): Promise<void> {
    for (const event of events) {
      const body = notificationOf(event);
      if (body === undefined) continue;
      const delivery = this.deliver(body).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
    return Promise.resolve();
  }

  /** Waits for the deliveries under way (stack shutdown, tests). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private async deliver(body: NotificationBody): Promise<void> {
    const about = 'sessionId' in body ? { type: body.type, sessionId: body.sessionId } : { type: body.type, profile: body.profile };
    let lastError = '';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) await sleep(this.backoffMs * 2 ** (attempt - 2));
      try {
        const response = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        await response.body?.cancel();
        if (response.ok) {
          this.log.info('notification delivered', { ...about, attempt });
          return;
        }
        lastError = `HTTP ${response.status}`;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
    }
    this.log.warn('notification not delivered', { ...about, attempts: this.attempts, error: lastError });
  }
}

/** Publishes to each publisher in turn (the bus record first, then the notifier). */
export const allOf = (...publishers: readonly EventPublisher[]): EventPublisher => ({
  async publish(events) {
    for (const publisher of publishers) await publisher.publish(events);
  },
});
