// EventBridge Scheduler for the exact layer (one one-time schedule per session deadline, created at
// runtime in our schedule group) and the safety net (the recurring sweep). The role Scheduler
// assumes for session schedules may invoke the expire function and nothing else.
import { Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression, ScheduleGroup, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue';
import { type SessionFunction } from './session-function';

const SCHEDULER_SERVICE = 'scheduler.amazonaws.com';

export interface ExpirySchedulingProps {
  /** The expire function's ARN, known before the function exists (its name is fixed). */
  expireFunctionArn: string;
}

export class ExpiryScheduling extends Construct {
  readonly group: ScheduleGroup;
  /** Assumed by Scheduler for every session schedule. */
  readonly schedulerRole: Role;
  /** Fires Scheduler could not deliver to the expire (or sweep) function after its retries. */
  readonly deadLetterQueue: DeadLetterQueue;
  private readonly expireFunctionArn: string;

  constructor(scope: Construct, id: string, props: ExpirySchedulingProps) {
    super(scope, id);
    this.expireFunctionArn = props.expireFunctionArn;
    this.group = new ScheduleGroup(this, 'SessionSchedules');
    this.deadLetterQueue = new DeadLetterQueue(this, 'ScheduleDlq', 'session expiry fires Scheduler could not deliver');
    this.schedulerRole = schedulerRole(this, 'SchedulerRole', 'Assumed by EventBridge Scheduler to fire session expiry checks', this.group.scheduleGroupArn);
    this.schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.expireFunctionArn] }),
    );
    // Scheduler sends undeliverable fires to the DLQ with this same role.
    this.schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }),
    );
  }

  /** `arn:...:schedule/<group>/*`: the only schedules our functions may touch. */
  get sessionSchedulesArn(): string {
    return Stack.of(this).formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.group.scheduleGroupName}/*` });
  }

  /** `arn:...:schedule/<group>/ws-*`: the workspaces' schedules (README "Workspaces"). */
  get workspaceSchedulesArn(): string {
    return Stack.of(this).formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.group.scheduleGroupName}/ws-*` });
  }

  /** Sets the Scheduler variables on a function (its grants come from contract/function-calls.ts). */
  addEnvironmentTo(fn: SessionFunction): void {
    fn.addEnvironment('SCHEDULE_GROUP_NAME', this.group.scheduleGroupName);
    fn.addEnvironment('SCHEDULER_ROLE_ARN', this.schedulerRole.roleArn);
    fn.addEnvironment('EXPIRE_FUNCTION_ARN', this.expireFunctionArn);
    fn.addEnvironment('SCHEDULE_DLQ_ARN', this.deadLetterQueue.queueArn);
  }

  /**
   * The recurring sweep. It lives in the default group, not in the session group, so no function
   * (they may delete any schedule of the session group) can delete the safety net.
   */
  addSweepSchedule(sweep: IFunction, intervalMinutes: number): Schedule {
    const defaultGroupArn = Stack.of(this).formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: 'default' });
    const role = schedulerRole(this, 'SweepSchedulerRole', 'Assumed by EventBridge Scheduler to start the sweep', defaultGroupArn);
    return new Schedule(this, 'SweepSchedule', {
      description: `Safety-net sweep of sessions and tasks every ${intervalMinutes} min`,
      schedule: ScheduleExpression.rate(Duration.minutes(intervalMinutes)),
      target: new LambdaInvoke(sweep, {
        role,
        input: ScheduleTargetInput.fromObject({ dryRun: false }),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 2,
        // A sweep older than one interval is superseded by the next one.
        maxEventAge: Duration.minutes(Math.max(intervalMinutes, 1)),
      }),
    });
  }
}

/**
 * A role only EventBridge Scheduler can assume, and only for schedules of this account in the one
 * schedule group given (Scheduler's source ARN is the schedule's group): the confused-deputy guard,
 * so no other account's or group's schedule can act with it.
 */
const schedulerRole = (scope: Construct, id: string, description: string, scheduleGroupArn: string): Role => {
  const stack = Stack.of(scope);
  return new Role(scope, id, {
    description,
    assumedBy: new ServicePrincipal(SCHEDULER_SERVICE, {
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnEquals: { 'aws:SourceArn': scheduleGroupArn } },
    }),
  });
};
