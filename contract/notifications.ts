// What a notification says (README "Notifications"): the webhook body both the EventBridge API
// destination (its input transformer) and the local webhook notifier send, built from the event
// detail alone, so nothing beyond the domain event (which carries no token or secret) goes out.
import { type DomainEventType } from './domain-events';

/** The domain events delivered to the configured webhook and e-mail addresses. */
export const NOTIFIED_EVENT_TYPES = ['Session Expiring', 'Session Ended'] as const satisfies readonly DomainEventType[];
export type NotifiedEventType = (typeof NOTIFIED_EVENT_TYPES)[number];

/** The route a user calls to push the deadline back (contract/api-routes.ts). */
export const extendRouteOf = (sessionId: string): string => `POST /sessions/${sessionId}/extend`;

/** The webhook body: `deadline` is when the session ends (Expiring) or ended (Ended). */
export interface SessionNotificationBody {
  type: NotifiedEventType;
  sessionId: string;
  ownerId: string;
  reason: string;
  deadline: string;
  extendRoute: string;
}

/**
 * `Workspace Expiring` on the webhook (README "Workspaces"): `deadline` is when the workspace is
 * deleted unless a session of `profile` uses it first; `deleteRoute` removes it at once. The local
 * stack sends it; the deployed rule does not yet (the deployed stack has no workspaces).
 */
export interface WorkspaceNotificationBody {
  type: 'Workspace Expiring';
  ownerId: string;
  profile: string;
  reason: 'retention';
  deadline: string;
  deleteRoute: string;
}

export type NotificationBody = SessionNotificationBody | WorkspaceNotificationBody;

/** The route that deletes an owner's workspace of a profile (contract/api-routes.ts). */
export const deleteWorkspaceRouteOf = (profile: string): string => `DELETE /workspaces/${profile}`;
