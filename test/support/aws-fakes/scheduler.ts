// A local EventBridge Scheduler for SDK v3 clients (REST-JSON): CreateSchedule, GetSchedule and
// DeleteSchedule on /schedules/{Name}, in the schedule groups it is given (plus `default`), with
// Scheduler's answers to what a deployment can get wrong: an unknown group, a name taken, a missing
// target or role. Schedules never fire: a test reads a schedule's Target and invokes it itself.
import { randomUUID } from 'node:crypto';
import { AwsServiceError, type HttpFake, type RecordedCall, startHttpFake } from './http-fake';

export interface SchedulerFakeOptions {
  region: string;
  accountId: string;
  /** Schedule groups that exist besides `default`. */
  groups: string[];
}

export interface FakeScheduleTarget {
  Arn: string;
  RoleArn: string;
  Input?: string;
  DeadLetterConfig?: { Arn?: string };
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
}

export interface FakeSchedule {
  Name: string;
  GroupName: string;
  Arn: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  FlexibleTimeWindow: { Mode: string; MaximumWindowInMinutes?: number };
  ActionAfterCompletion?: string;
  State?: string;
  Description?: string;
  Target: FakeScheduleTarget;
}

export interface SchedulerFake extends HttpFake {
  calls: RecordedCall[];
  /** Live schedules by `<group>/<name>`. */
  schedules: Map<string, FakeSchedule>;
}

const keyOf = (group: string, name: string): string => `${group}/${name}`;

export const startSchedulerFake = async (options: SchedulerFakeOptions): Promise<SchedulerFake> => {
  const calls: RecordedCall[] = [];
  const schedules = new Map<string, FakeSchedule>();
  const groups = new Set(['default', ...options.groups]);
  const groupOf = (given: unknown): string => {
    const group = typeof given === 'string' && given !== '' ? given : 'default';
    if (!groups.has(group)) throw new AwsServiceError(404, 'ResourceNotFoundException', `Schedule group ${group} does not exist.`);
    return group;
  };
  const required = (value: unknown, what: string): string => {
    if (typeof value !== 'string' || value === '') throw new AwsServiceError(400, 'ValidationException', `${what} is required.`);
    return value;
  };

  const server = await startHttpFake(
    ({ method, path, query, body }) => {
      const match = /^\/schedules\/([^/]+)$/.exec(path);
      const name = match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
      const input = (body ?? {}) as Record<string, unknown>;
      if (name === undefined) {
        calls.push({ operation: `${method} ${path}`, input });
        throw new AwsServiceError(404, 'UnknownOperationException', `${method} ${path} is not an operation of this fake`);
      }
      if (method === 'POST') {
        calls.push({ operation: 'CreateSchedule', input: { Name: name, ...input } });
        const group = groupOf(input['GroupName']);
        if (schedules.has(keyOf(group, name))) throw new AwsServiceError(409, 'ConflictException', `Schedule ${name} already exists.`);
        const target = (input['Target'] ?? {}) as FakeScheduleTarget;
        required(target.Arn, 'Target.Arn');
        required(target.RoleArn, 'Target.RoleArn');
        required(input['ScheduleExpression'], 'ScheduleExpression');
        if (input['FlexibleTimeWindow'] === undefined) throw new AwsServiceError(400, 'ValidationException', 'FlexibleTimeWindow is required.');
        const schedule: FakeSchedule = {
          ...(input as Omit<FakeSchedule, 'Name' | 'GroupName' | 'Arn'>),
          Name: name,
          GroupName: group,
          Arn: `arn:aws:scheduler:${options.region}:${options.accountId}:schedule/${group}/${name}`,
          Target: target,
        };
        schedules.set(keyOf(group, name), schedule);
        return { status: 200, body: { ScheduleArn: schedule.Arn } };
      }
      const operation = method === 'GET' ? 'GetSchedule' : method === 'DELETE' ? 'DeleteSchedule' : `${method} /schedules`;
      calls.push({ operation, input: { Name: name, GroupName: query.get('groupName') ?? undefined } });
      if (method !== 'GET' && method !== 'DELETE') throw new AwsServiceError(404, 'UnknownOperationException', `${method} is not an operation of this fake`);
      const group = groupOf(query.get('groupName'));
      const schedule = schedules.get(keyOf(group, name));
      if (schedule === undefined) throw new AwsServiceError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
      if (method === 'DELETE') {
        schedules.delete(keyOf(group, name));
        return { status: 200, body: {} };
      }
      return { status: 200, body: schedule };
    },
    (error) => ({ status: error.status, body: { Message: error.message }, headers: { 'x-amzn-errortype': error.code, 'x-amzn-requestid': randomUUID() } }),
  );
  return { ...server, calls, schedules };
};
