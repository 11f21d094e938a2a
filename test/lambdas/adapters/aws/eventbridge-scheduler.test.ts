// EventBridgeScheduler against a mocked Scheduler client with the SDK's real exception classes:
// the one-time schedule it creates, and which failures count as success (already armed, already
// gone) or as "try later".
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeScheduler, type EventBridgeSchedulerOptions } from '../../../../lambdas/adapters/aws/eventbridge-scheduler';
import { UnavailableError } from '../../../../lambdas/domain/errors';
import { schedulerThrottling } from '../../../support/aws-exceptions';

const NOW = Date.UTC(2030, 2, 9, 10, 15, 0);
const SESSION_ID = '0b6f8f7e-3c1a-4f43-9f55-1b2f4f5a6c7d';
const OPTIONS: EventBridgeSchedulerOptions = {
  groupName: 'session-expiry',
  targetArn: 'arn:aws:lambda:eu-west-1:123456789012:function:expire',
  roleArn: 'arn:aws:iam::123456789012:role/scheduler',
  dlqArn: 'arn:aws:sqs:eu-west-1:123456789012:schedule-dlq',
  clock: { now: () => NOW },
};

describe('EventBridgeScheduler', () => {
  const client = new SchedulerClient({ region: 'eu-west-1' });
  const schedulerMock = mockClient(client);
  const scheduler = new EventBridgeScheduler(client, OPTIONS);

  beforeEach(() => schedulerMock.reset());

  describe('arm', () => {
    it('creates a one-time UTC schedule that fires once, exactly, then deletes itself', async () => {
      schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });
      // 31 December, 23:59:59.250: the month must not be off by one, the milliseconds round up.
      const fireAt = Date.UTC(2030, 11, 31, 23, 59, 59, 250);

      await scheduler.arm({ sessionId: SESSION_ID, scheduleName: `${SESSION_ID}-3`, fireAt });

      const calls = schedulerMock.commandCalls(CreateScheduleCommand);
      expect(calls).toHaveLength(1);
      const input = calls[0].args[0].input;
      expect(input).toMatchObject({
        Name: `${SESSION_ID}-3`,
        GroupName: 'session-expiry',
        ScheduleExpression: 'at(2031-01-01T00:00:00)',
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        State: 'ENABLED',
        ClientToken: `${SESSION_ID}-3`,
        Target: {
          Arn: OPTIONS.targetArn,
          RoleArn: OPTIONS.roleArn,
          RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: OPTIONS.dlqArn },
        },
      });
      expect(JSON.parse(input.Target!.Input!)).toEqual({ sessionId: SESSION_ID, scheduleName: `${SESSION_ID}-3` });
    });

    it('uses the configured retry policy', async () => {
      schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });
      const custom = new EventBridgeScheduler(client, { ...OPTIONS, maximumRetryAttempts: 10, maximumEventAgeSeconds: 600 });

      await custom.arm({ sessionId: SESSION_ID, scheduleName: `${SESSION_ID}-1`, fireAt: NOW + 60_000 });

      expect(schedulerMock.commandCalls(CreateScheduleCommand)[0].args[0].input.Target?.RetryPolicy).toEqual({
        MaximumRetryAttempts: 10,
        MaximumEventAgeInSeconds: 600,
      });
    });

    it('moves a fire time in the past to a few seconds from now, never earlier', async () => {
      schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });

      await scheduler.arm({ sessionId: SESSION_ID, scheduleName: `${SESSION_ID}-2`, fireAt: NOW - 3_600_000 });

      expect(schedulerMock.commandCalls(CreateScheduleCommand)[0].args[0].input.ScheduleExpression).toBe('at(2030-03-09T10:15:05)');
    });

    it('treats an existing schedule of the same name as already armed', async () => {
      schedulerMock.on(CreateScheduleCommand).rejects(new ConflictException({ message: 'Schedule already exists.', Message: 'Schedule already exists.', $metadata: {} }));

      await expect(scheduler.arm({ sessionId: SESSION_ID, scheduleName: `${SESSION_ID}-1`, fireAt: NOW + 60_000 })).resolves.toBeUndefined();
    });

    it('turns throttling into UnavailableError carrying the original', async () => {
      const original = schedulerThrottling();
      schedulerMock.on(CreateScheduleCommand).rejects(original);

      const error: unknown = await scheduler
        .arm({ sessionId: SESSION_ID, scheduleName: `${SESSION_ID}-1`, fireAt: NOW + 60_000 })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as UnavailableError).cause).toBe(original);
    });

    it('rethrows a validation error as it is (a bug, not an outage)', async () => {
      schedulerMock.on(CreateScheduleCommand).rejects(new ValidationException({ message: 'bad', Message: 'bad', $metadata: {} }));

      await expect(scheduler.arm({ sessionId: SESSION_ID, scheduleName: `${SESSION_ID}-1`, fireAt: NOW + 60_000 })).rejects.toBeInstanceOf(
        ValidationException,
      );
    });

    it('refuses a schedule name Scheduler would reject, without calling it', async () => {
      await expect(scheduler.arm({ sessionId: SESSION_ID, scheduleName: 'x'.repeat(65), fireAt: NOW + 60_000 })).rejects.toThrow(/schedule name/);
      await expect(scheduler.arm({ sessionId: SESSION_ID, scheduleName: 'a b', fireAt: NOW + 60_000 })).rejects.toThrow(/schedule name/);
      expect(schedulerMock.commandCalls(CreateScheduleCommand)).toHaveLength(0);
    });

    it('refuses a retry policy Scheduler would reject', () => {
      expect(() => new EventBridgeScheduler(client, { ...OPTIONS, maximumRetryAttempts: 186 })).toThrow(RangeError);
      expect(() => new EventBridgeScheduler(client, { ...OPTIONS, maximumEventAgeSeconds: 59 })).toThrow(RangeError);
    });
  });

  describe('disarm', () => {
    it('deletes the schedule from the group', async () => {
      schedulerMock.on(DeleteScheduleCommand).resolves({});

      await scheduler.disarm(`${SESSION_ID}-4`);

      expect(schedulerMock.commandCalls(DeleteScheduleCommand)[0].args[0].input).toMatchObject({
        Name: `${SESSION_ID}-4`,
        GroupName: 'session-expiry',
      });
    });

    it('treats a schedule that is gone (fired and deleted, or never made) as disarmed', async () => {
      schedulerMock.on(DeleteScheduleCommand).rejects(new ResourceNotFoundException({ message: 'Schedule not found.', Message: 'Schedule not found.', $metadata: {} }));

      await expect(scheduler.disarm(`${SESSION_ID}-4`)).resolves.toBeUndefined();
    });

    it('turns throttling into UnavailableError', async () => {
      schedulerMock.on(DeleteScheduleCommand).rejects(schedulerThrottling());

      await expect(scheduler.disarm(`${SESSION_ID}-4`)).rejects.toBeInstanceOf(UnavailableError);
    });
  });
});
