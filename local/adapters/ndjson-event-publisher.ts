// The local stand-in for the EventBridge bus: each domain event becomes one JSON line in
// `<dataDir>/events.ndjson` (tail it, or feed it to jq) plus a one-line summary in the log.
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type EventPublisher, type SessionEvent } from '../../lambdas/ports/event-publisher';
import { type Log } from '../../lambdas/ports/observability';
import { type Clock, systemClock } from '../../lambdas/ports/clock';
// The source our events carry on AWS, so local consumers see the same envelope.
import { EVENT_SOURCE } from '../../contract/domain-events';

const summary = (event: SessionEvent): string => {
  switch (event.type) {
    case 'Session Created':
      return `session ${event.detail.sessionId} created (owner ${event.detail.ownerId}, profile ${event.detail.profile})`;
    case 'Session Expiring':
      return `session ${event.detail.sessionId} expiring at ${event.detail.expiresAt} (${event.detail.reason})`;
    case 'Session Ended':
      return `session ${event.detail.sessionId} ended (${event.detail.reason})`;
    case 'Orphan Task Stopped': {
      const { taskArn, sessionId } = event.detail;
      return `orphan task ${taskArn} stopped${sessionId ? ` (session ${sessionId})` : ''}`;
    }
    case 'Workspace Expiring':
      return `workspace ${event.detail.profile} of ${event.detail.ownerId} is deleted at ${event.detail.deleteAt} unless used`;
    case 'Workspace Deleted':
      return `workspace ${event.detail.profile} of ${event.detail.ownerId} deleted (${event.detail.reason})`;
    case 'Session Resource Warning': {
      const { sessionId, resource, percent, threshold } = event.detail;
      return `session ${sessionId} ${resource} at ${percent} % (warning from ${threshold} %)`;
    }
  }
};

export class NdjsonEventPublisher implements EventPublisher {
  constructor(
    private readonly path: string,
    private readonly log: Log,
    private readonly clock: Clock = systemClock,
  ) {}

  async publish(events: readonly SessionEvent[]): Promise<void> {
    if (events.length === 0) return;
    const time = new Date(this.clock.now()).toISOString();
    const lines = events.map((e) => JSON.stringify({ time, source: EVENT_SOURCE, 'detail-type': e.type, detail: e.detail }));
    await mkdir(dirname(this.path), { recursive: true });
    // One append per batch: lines of concurrent publishers never interleave mid-line.
    await appendFile(this.path, `${lines.join('\n')}\n`);
    for (const event of events) this.log.info(`event: ${summary(event)}`);
  }
}
