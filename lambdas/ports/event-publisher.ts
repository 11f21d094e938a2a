// Domain events for other systems (notify the user before expiry, billing, audit): EventBridge on
// AWS, an NDJSON file locally.
import { type WatchedResource } from '../../contract/vocabulary';
import { type EndReason } from '../domain/session';

export type SessionEvent =
  | { type: 'Session Created'; detail: { sessionId: string; ownerId: string; profile: string; expiresAt: string } }
  | { type: 'Session Expiring'; detail: { sessionId: string; ownerId: string; expiresAt: string; reason: EndReason } }
  | { type: 'Session Ended'; detail: { sessionId: string; ownerId: string; reason: EndReason; endedAt: string } }
  | { type: 'Orphan Task Stopped'; detail: { taskArn: string; sessionId?: string } }
  | { type: 'Workspace Expiring'; detail: { ownerId: string; profile: string; deleteAt: string; lastUsedAt: string } }
  | { type: 'Workspace Deleted'; detail: { ownerId: string; profile: string; reason: WorkspaceDeleteReason; deletedAt: string } }
  | {
      type: 'Session Resource Warning';
      /** `percent`: the reading that crossed `threshold` (the profile's resourceWarningPercent). */
      detail: { sessionId: string; ownerId: string; profile: string; resource: WatchedResource; percent: number; threshold: number };
    };

/** Why a workspace went: its retention passed, or its owner removed it (`DELETE /workspaces/{profile}`). */
export type WorkspaceDeleteReason = 'retention' | 'owner_request';

export interface EventPublisher {
  publish(events: readonly SessionEvent[]): Promise<void>;
}
