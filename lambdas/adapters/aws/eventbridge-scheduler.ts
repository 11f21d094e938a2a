// ExpiryScheduler on EventBridge Scheduler: one one-time `at(...)` schedule per arm, flexible
// window OFF, deleted by Scheduler after it fires, retried and dead-lettered when the expire
// function cannot be invoked. The schedule name is the idempotency key of an arm.
import { CreateScheduleCommand, DeleteScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { atExpression, SCHEDULE_TIMEZONE } from '../../domain/schedule-expression';
import { type Clock, systemClock } from '../../ports/clock';
import { type ArmRequest, type ExpiryScheduler, fireOf, isWorkspaceFire } from '../../ports/expiry-scheduler';
import { isConflict, isResourceNotFound, rethrowAwsError } from './aws-errors';

// Scheduler allows names of 1-64 of [0-9a-zA-Z-_.] and client tokens of 1-64 of [a-zA-Z0-9-_]; the
// name doubles as the client token, so it must satisfy both. `<uuid>-<n>` does.
const SCHEDULE_NAME = /^[0-9A-Za-z_-]{1,64}$/;

export interface EventBridgeSchedulerOptions {
  groupName: string;
  /** The expire function's ARN. */
  targetArn: string;
  /** The role Scheduler assumes to invoke the target (may only invoke the expire function). */
  roleArn: string;
  /** SQS queue for fires that could not be delivered after the retries. */
  dlqArn: string;
  /** 0-185; default 5. */
  maximumRetryAttempts?: number;
  /** 60-86400; default 3600. */
  maximumEventAgeSeconds?: number;
  /**
   * A fire time earlier than now + this is moved to now + this (default 5 s). Scheduler does not
   * document what a one-time `at()` in the past does (it is accepted, and may never invoke the
   * target), so we never send one. Firing a few seconds late is safe: the expire use case
   * recomputes the deadline and never stops a session early; the sweep catches any miss.
   */
  minLeadSeconds?: number;
  clock?: Clock;
}

const inRange = (name: string, value: number, min: number, max: number): number => {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer in ${min}..${max}`);
  return value;
};

export class EventBridgeScheduler implements ExpiryScheduler {
  private readonly maximumRetryAttempts: number;
  private readonly maximumEventAgeSeconds: number;
  private readonly minLeadMs: number;
  private readonly clock: Clock;

  constructor(
    private readonly scheduler: SchedulerClient,
    private readonly options: EventBridgeSchedulerOptions,
  ) {
    this.maximumRetryAttempts = inRange('maximumRetryAttempts', options.maximumRetryAttempts ?? 5, 0, 185);
    this.maximumEventAgeSeconds = inRange('maximumEventAgeSeconds', options.maximumEventAgeSeconds ?? 3600, 60, 86_400);
    this.minLeadMs = inRange('minLeadSeconds', options.minLeadSeconds ?? 5, 0, 3600) * 1000;
    this.clock = options.clock ?? systemClock;
  }

  async arm(request: ArmRequest): Promise<void> {
    assertScheduleName(request.scheduleName);
    const fireAt = Math.max(request.fireAt, this.clock.now() + this.minLeadMs);
    const input = fireOf(request);
    try {
      await this.scheduler.send(
        new CreateScheduleCommand({
          Name: request.scheduleName,
          GroupName: this.options.groupName,
          Description: isWorkspaceFire(request) ? `retention check of workspace ${request.workspace.profile}` : `expiry check of session ${request.sessionId}`,
          ScheduleExpression: atExpression(fireAt),
          ScheduleExpressionTimezone: SCHEDULE_TIMEZONE,
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          State: 'ENABLED',
          Target: {
            Arn: this.options.targetArn,
            RoleArn: this.options.roleArn,
            Input: JSON.stringify(input),
            RetryPolicy: {
              MaximumRetryAttempts: this.maximumRetryAttempts,
              MaximumEventAgeInSeconds: this.maximumEventAgeSeconds,
            },
            DeadLetterConfig: { Arn: this.options.dlqArn },
          },
          ClientToken: request.scheduleName,
        }),
      );
    } catch (error) {
      // Names are never reused for another fire time (`<id>-<n>` grows on every arm), so an
      // existing schedule of this name is this very arm, made by an earlier attempt.
      if (isConflict(error)) return;
      rethrowAwsError(error, 'Scheduler CreateSchedule');
    }
  }

  async disarm(scheduleName: string): Promise<void> {
    try {
      await this.scheduler.send(new DeleteScheduleCommand({ Name: scheduleName, GroupName: this.options.groupName }));
    } catch (error) {
      // Already fired (ActionAfterCompletion DELETE) or never created.
      if (isResourceNotFound(error)) return;
      rethrowAwsError(error, 'Scheduler DeleteSchedule');
    }
  }
}

const assertScheduleName = (name: string): void => {
  if (!SCHEDULE_NAME.test(name)) throw new RangeError(`schedule name "${name}" is not 1-64 letters, digits, dashes or underscores`);
};
