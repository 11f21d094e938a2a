// The EBS events a deployment with workspaces listens to (README "Workspaces"): the rule's pattern
// (lib/constructs/snapshot-event-rule.ts) and the handler's schema (lambdas/handlers/snapshot-event.ts)
// read the same names.

export const EBS_SNAPSHOT_NOTIFICATION = { source: 'aws.ec2', detailType: 'EBS Snapshot Notification' } as const;

/**
 * The one EBS call whose end matters: the adapter takes each workspace's snapshot with CreateSnapshot
 * (never the multi-volume CreateSnapshots, nor copies), so only its finish is routed.
 */
export const WORKSPACE_SNAPSHOT_EVENT = 'createSnapshot';
export const SNAPSHOT_RESULTS = ['succeeded', 'failed'] as const;
