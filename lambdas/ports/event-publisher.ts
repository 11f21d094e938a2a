// Domain events for other systems (notify the user before expiry, billing, audit): EventBridge on
// AWS, an NDJSON file locally.
import { type WatchedResource } from '../../contract/vocabulary';
import { type EndReason } from '../domain/session';

export type SessionEvent =
  | { type: 'Session Created'; detail: { sessionId: string; ownerId: string; profile: string; expiresAt: string } }
  | { type: 'Session Expiring'; detail: { sessionId: string; ownerId: string; expiresAt: string; reason: EndReason } }
  | { type: 'Session Ended'; detail: { sessionId: string; ownerId: string; reason: EndReason; endedAt: string } }
  | { type: 'Orphan Task Stopped'; detail: { taskArn: string; sessionId?: string } }
  | {
      type: 'Session Resource Warning';
      /** `percent`: the reading that crossed `threshold` (the profile's resourceWarningPercent). */
      detail: { sessionId: string; ownerId: string; profile: string; resource: WatchedResource; percent: number; threshold: number };
    };

export interface EventPublisher {
  publish(events: readonly SessionEvent[]): Promise<void>;
}
