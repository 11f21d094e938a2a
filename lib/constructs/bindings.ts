// Helpers that give a function one resource: the env var naming it and the access to it, together,
// so no function can have one without the other.
import { type IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type WiringEnvName } from '../../contract/function-env';
import { type DefinedTable } from '../stacks/stateful-stack';
import { type ExpiryScheduling } from './expiry-scheduling';
import { type ProfileParameters } from './profile-parameters';
import { type SessionCluster } from './session-cluster';
import { type SessionFunction } from './session-function';

export type TableAccess = 'r' | 'rw';

const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable'];
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

/**
 * Sets `envName` to the table's name and grants item access to the table and to each of its indexes
 * by name (no `index/*`). No transactions and no streams: the adapter uses neither.
 */
export const bindTable = (fn: SessionFunction, envName: WiringEnvName, { table, definition }: DefinedTable, access: TableAccess): void => {
  fn.addEnvironment(envName, table.tableName);
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: access === 'rw' ? [...READ_ACTIONS, ...WRITE_ACTIONS] : READ_ACTIONS,
      resources: [table.tableArn, ...definition.globalSecondaryIndexes.map((i) => `${table.tableArn}/index/${i.indexName}`)],
    }),
  );
};

/** Sets EVENT_BUS_NAME and allows PutEvents on that bus only. */
export const bindEventBus = (fn: SessionFunction, bus: IEventBus): void => {
  fn.addEnvironment('EVENT_BUS_NAME', bus.eventBusName);
  bus.grantPutEventsTo(fn);
};

/** Sets the Scheduler variables and allows arming/disarming session schedules (see ExpiryScheduling). */
export const bindScheduler = (fn: SessionFunction, scheduling: ExpiryScheduling): void => scheduling.bind(fn);

/** Sets the ECS variables and allows controlling (and with `run`, starting) session tasks. */
export const bindTasks = (fn: SessionFunction, cluster: SessionCluster, options: { run: boolean }): void =>
  cluster.bind(fn, options);

/** Sets the profile variables and, with `read`, allows reading the profile parameters (GetParametersByPath). */
export const bindProfiles = (fn: SessionFunction, profiles: ProfileParameters, options: { read: boolean }): void =>
  profiles.bind(fn, options);
