// The tags every workspace volume and snapshot carries on AWS (README "Workspaces"): the ECS
// adapter puts them on the volume RunTask creates, the EBS adapter on each snapshot, the sweep
// finds leftovers by them, and the IAM grants for the EC2 calls are scoped by the stack's tag.

/** The stack's tag: its value is the deployment's task marker (contract/ecs-tasks.ts), unique per stack. */
export const TAG_WORKSPACE_STACK = 'session-expiry-stack';
export const TAG_WORKSPACE_ID = 'workspace-id';
/** The owner id, base64url: an EC2 tag value allows only some characters, and an IdP subject may hold any. */
export const TAG_WORKSPACE_OWNER = 'workspace-owner';
export const TAG_WORKSPACE_PROFILE = 'workspace-profile';

export const encodeOwnerTag = (ownerId: string): string => Buffer.from(ownerId, 'utf8').toString('base64url');
export const decodeOwnerTag = (value: string): string => Buffer.from(value, 'base64url').toString('utf8');
