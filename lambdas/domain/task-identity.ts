// A session's own task, recognised by the AWS identity it signs its requests with (README "How a task
// authenticates"). ECS gives a task its task role's credentials under a role session named after the
// task id, so API Gateway's IAM authorizer reports the caller as
// `arn:<partition>:sts::<account>:assumed-role/<role name>/<task id>`. That is this session's task
// only if the role is its profile's task role (whose trust policy admits ECS alone, so nobody else can
// choose that session name) and the session name is the id of the task the session runs.

/** The caller behind a SigV4-signed request that assumed a role. */
export interface AssumedRoleIdentity {
  partition: string;
  accountId: string;
  roleName: string;
  /** The role session name: for an ECS task role, the task id. */
  sessionName: string;
}

// Role and session names: letters, digits and + = , . @ _ - (IAM and STS allow these only).
const NAME = '[\\w+=,.@-]+';
const ASSUMED_ROLE_ARN = new RegExp(`^arn:(aws[a-z-]*):sts::(\\d{12}):assumed-role/(${NAME})/(${NAME})$`);
// A role ARN may carry a path (`role/a/b/name`); the assumed-role ARN names the role without it.
const ROLE_ARN = new RegExp(`^arn:(aws[a-z-]*):iam::(\\d{12}):role/(?:${NAME}/)*(${NAME})$`);

/** The identity in an assumed-role ARN, or undefined for any other principal (a user, the root). */
export const assumedRoleOf = (arn: string): AssumedRoleIdentity | undefined => {
  const match = ASSUMED_ROLE_ARN.exec(arn);
  if (match === null) return undefined;
  const [, partition = '', accountId = '', roleName = '', sessionName = ''] = match;
  return { partition, accountId, roleName, sessionName };
};

/** The id of a task from its ARN: the last segment (`task/<cluster>/<id>`, or `task/<id>` of old). */
export const taskIdOfArn = (taskArn: string): string => taskArn.slice(taskArn.lastIndexOf('/') + 1);

/** Whether `identity` runs as the role `roleArn` (same partition, account and role name). */
const runsAs = (identity: AssumedRoleIdentity, roleArn: string): boolean => {
  const match = ROLE_ARN.exec(roleArn);
  return match !== null && match[1] === identity.partition && match[2] === identity.accountId && match[3] === identity.roleName;
};

/**
 * Whether `identity` is the task `taskArn` running as `taskRoleArn`. Without a known task or role
 * nothing matches: a session whose task ARN is not yet recorded answers like a missing one, and the
 * task's next report finds it.
 */
export const isTheTask = (identity: AssumedRoleIdentity, task: { taskArn: string | undefined; taskRoleArn: string | undefined }): boolean =>
  task.taskArn !== undefined &&
  task.taskRoleArn !== undefined &&
  identity.sessionName === taskIdOfArn(task.taskArn) &&
  runsAs(identity, task.taskRoleArn);
