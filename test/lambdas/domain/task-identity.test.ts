// Recognising a session's task by the identity it signed with: an ECS task role's credentials are a
// role session named after the task id (README "How a task authenticates").
import { describe, expect, it } from 'vitest';
import { assumedRoleOf, isTheTask, taskIdOfArn } from '../../../lambdas/domain/task-identity';

const TASK_ID = '6b777c1809a94925ab48098fa09824de';
const TASK_ARN = `arn:aws:ecs:eu-west-1:123456789012:task/sessions/${TASK_ID}`;
const ROLE_ARN = 'arn:aws:iam::123456789012:role/SessionExpiryStateless-TasksDemoTaskRole-AbC123';
const signer = (role = 'SessionExpiryStateless-TasksDemoTaskRole-AbC123', session = TASK_ID, account = '123456789012', partition = 'aws') =>
  assumedRoleOf(`arn:${partition}:sts::${account}:assumed-role/${role}/${session}`)!;

describe('assumedRoleOf', () => {
  it('reads partition, account, role and session name from an assumed-role ARN', () => {
    expect(assumedRoleOf(`arn:aws-cn:sts::123456789012:assumed-role/task-role/${TASK_ID}`)).toEqual({
      partition: 'aws-cn',
      accountId: '123456789012',
      roleName: 'task-role',
      sessionName: TASK_ID,
    });
  });

  it.each([
    ['an IAM user', 'arn:aws:iam::123456789012:user/alice'],
    ['the account root', 'arn:aws:iam::123456789012:root'],
    ['a role ARN, not a session of it', ROLE_ARN],
    ['an assumed role without a session name', 'arn:aws:sts::123456789012:assumed-role/task-role'],
    ['an extra segment', `arn:aws:sts::123456789012:assumed-role/task-role/${TASK_ID}/x`],
    ['nothing', ''],
  ])('is undefined for %s', (_, arn) => {
    expect(assumedRoleOf(arn)).toBeUndefined();
  });
});

describe('taskIdOfArn', () => {
  it('is the last segment of both task ARN formats', () => {
    expect(taskIdOfArn(TASK_ARN)).toBe(TASK_ID);
    expect(taskIdOfArn(`arn:aws:ecs:eu-west-1:123456789012:task/${TASK_ID}`)).toBe(TASK_ID);
  });
});

describe('isTheTask', () => {
  const task = { taskArn: TASK_ARN, taskRoleArn: ROLE_ARN };

  it("matches the task's own id under its profile's task role", () => {
    expect(isTheTask(signer(), task)).toBe(true);
  });

  it('matches a task role with a path (the assumed-role ARN names the role without it)', () => {
    expect(isTheTask(signer('task-role'), { taskArn: TASK_ARN, taskRoleArn: 'arn:aws:iam::123456789012:role/sessions/prod/task-role' })).toBe(true);
  });

  it.each([
    ['another task', signer(undefined, 'a'.repeat(32))],
    ['another role with the task id as session name', signer('admin-sandbox')],
    ['the same role name in another account', signer(undefined, undefined, '210987654321')],
    ['another partition', signer(undefined, undefined, undefined, 'aws-us-gov')],
  ])('refuses %s', (_, identity) => {
    expect(isTheTask(identity, task)).toBe(false);
  });

  it('refuses everything while the task or its role is unknown', () => {
    expect(isTheTask(signer(), { taskArn: undefined, taskRoleArn: ROLE_ARN })).toBe(false);
    expect(isTheTask(signer(), { taskArn: TASK_ARN, taskRoleArn: undefined })).toBe(false);
    expect(isTheTask(signer(), { taskArn: TASK_ARN, taskRoleArn: 'not-an-arn' })).toBe(false);
  });
});
