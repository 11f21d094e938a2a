// The domain events other systems subscribe to (notify the user before expiry, billing, audit): the
// EventBridge source every one carries and the detail-type of each. The runtime publishes them on the
// stack's bus; rules of other stacks match on these strings, so they change only with a notice.

export const EVENT_SOURCE = 'session-expiry';

export const DOMAIN_EVENT_TYPES = [
  'Session Created',
  'Session Expiring',
  'Session Ended',
  'Orphan Task Stopped',
  // A saved workspace nears the end of its retention (README "Workspaces"), and its deletion.
  'Workspace Expiring',
  'Workspace Deleted',
  // One of the task's resources (memory, disk) crossed the profile's resourceWarningPercent.
  'Session Resource Warning',
] as const;
export type DomainEventType = (typeof DOMAIN_EVENT_TYPES)[number];
