// The signer API Gateway hands the function for a SigV4-signed request (README "How a task
// authenticates"): `requestContext.authorizer.iam`, as for an ECS task signing with its task role,
// whose role session ECS names after the task id.
import { type IamCaller } from '../../../lambdas/handlers/http/api-event';

export const ACCOUNT = '123456789012';
export const TASK_ROLE = 'session-expiry-notebook-task';

const taskIdOf = (taskArn: string): string => taskArn.slice(taskArn.lastIndexOf('/') + 1);

/** The signer as API Gateway reports a request signed by `userArn`. */
export const signedBy = (userArn: string): IamCaller => {
  const sessionName = userArn.split('/').pop() ?? '';
  return {
    accessKey: 'ASIAXAMPLEXAMPLEXAMP',
    accountId: ACCOUNT,
    callerId: `AROAEXAMPLEROLEID:${sessionName}`,
    cognitoIdentity: null,
    principalOrgId: 'o-example',
    userArn,
    userId: `AROAEXAMPLEROLEID:${sessionName}`,
  };
};

/** A request signed with the credentials of the task `taskArn`, running as `role`. */
export const taskSigner = (taskArn: string, role = TASK_ROLE, account = ACCOUNT): IamCaller =>
  signedBy(`arn:aws:sts::${account}:assumed-role/${role}/${taskIdOf(taskArn)}`);
