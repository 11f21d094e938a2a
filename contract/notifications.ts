// What a notification says (README "Notifications"): the webhook body both the EventBridge API
// destination (its input transformer) and the local webhook notifier send, built from the event
// detail alone, so nothing beyond the domain event (which carries no token or secret) goes out.
import { type DomainEventType } from './domain-events';
import { type WatchedResource } from './vocabulary';

/** The events about a session's deadline: the body names it and the route that puts it off. */
export const DEADLINE_NOTIFIED_TYPES = ['Session Expiring', 'Session Ended'] as const satisfies readonly DomainEventType[];
/** The events about a session's task running out of memory or disk. */
export const RESOURCE_NOTIFIED_TYPES = ['Session Resource Warning'] as const satisfies readonly DomainEventType[];
/** The events about a saved workspace nearing its deletion (README "Workspaces"). */
export const WORKSPACE_NOTIFIED_TYPES = ['Workspace Expiring'] as const satisfies readonly DomainEventType[];
/** The domain events delivered to the configured webhook and e-mail addresses. */
export const NOTIFIED_EVENT_TYPES = [...DEADLINE_NOTIFIED_TYPES, ...RESOURCE_NOTIFIED_TYPES, ...WORKSPACE_NOTIFIED_TYPES] as const;
export type NotifiedEventType = (typeof NOTIFIED_EVENT_TYPES)[number];

/** The route a user calls to push the deadline back (contract/api-routes.ts). */
export const extendRouteOf = (sessionId: string): string => `POST /sessions/${sessionId}/extend`;

/** A deadline notification: `deadline` is when the session ends (Expiring) or ended (Ended). */
export interface DeadlineNotification {
  type: (typeof DEADLINE_NOTIFIED_TYPES)[number];
  sessionId: string;
  ownerId: string;
  reason: string;
  deadline: string;
  extendRoute: string;
}

/** A resource notification: `percent` of the task's `resource` is in use, `threshold` the profile's. */
export interface ResourceNotification {
  type: (typeof RESOURCE_NOTIFIED_TYPES)[number];
  sessionId: string;
  ownerId: string;
  profile: string;
  resource: WatchedResource;
  percent: number;
  threshold: number;
}

/**
 * `Workspace Expiring` on the webhook (README "Workspaces"): `deadline` is when the workspace is
 * deleted unless a session of `profile` uses it first; `deleteRoute` removes it at once. Sent by the
 * local stack and by the deployed workspace rule alike.
 */
export interface WorkspaceNotification {
  type: (typeof WORKSPACE_NOTIFIED_TYPES)[number];
  ownerId: string;
  profile: string;
  reason: 'retention';
  deadline: string;
  deleteRoute: string;
}

/** The webhook body. */
export type NotificationBody = DeadlineNotification | ResourceNotification | WorkspaceNotification;

/** The route that deletes an owner's workspace of a profile (contract/api-routes.ts). */
export const deleteWorkspaceRouteOf = (profile: string): string => `DELETE /workspaces/${profile}`;
