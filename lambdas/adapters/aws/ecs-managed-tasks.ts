// The tasks of this deployment on ECS: StopTask to end a session's task, ListTasks and
// DescribeTasks so the sweep sees every task we started (marked with the deployment's `startedBy`
// marker, the one the task-state rule filters on, and tagged with the session id). Starting tasks
// is the starter's alone (ecs-task-runner.ts, contract/function-calls.ts), so the functions that
// only end sessions hold no RunTask code (README "Performance").
import { DescribeTasksCommand, type ECSClient, type Failure, ListTasksCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { TAG_SESSION_ID, TASK_MARKER_PATTERN } from '../../../contract/ecs-tasks';
import { UnavailableError } from '../../domain/errors';
import { type Clock, systemClock } from '../../ports/clock';
import { type ManagedTask, type ManagedTasks } from '../../ports/task-runner';
import { isEcsTaskGone, rethrowAwsError } from './aws-errors';

export { TAG_SESSION_ID };

/** StopTask accepts a reason of at most this many characters. */
export const STOP_REASON_MAX = 255;
/** DescribeTasks takes at most this many tasks per call. */
const DESCRIBE_BATCH = 100;

export interface EcsManagedTasksOptions {
  clusterArn: string;
  /**
   * This deployment's `startedBy` marker (TASK_MARKER): RunTask sets it, ListTasks filters on it
   * and the task-state rule matches it, so another deployment's tasks in the cluster are never ours.
   */
  startedBy: string;
  /** A task without createdAt (never seen in practice) counts as just created, so the orphan grace protects it. */
  clock?: Clock;
}

const truncateReason = (reason: string): string =>
  reason.length <= STOP_REASON_MAX ? reason : `${reason.slice(0, STOP_REASON_MAX - 1)}…`;

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/** A failure of RunTask or DescribeTasks, as one line. */
export const describeFailure = (failure: Failure | undefined): string =>
  failure ? [failure.reason, failure.detail].filter(Boolean).join(': ') || 'unknown reason' : 'no task and no failure returned';

const sessionIdOf = (task: Task): string | undefined => {
  const tagged = task.tags?.find((t) => t.key === TAG_SESSION_ID)?.value;
  if (tagged) return tagged;
  for (const override of task.overrides?.containerOverrides ?? []) {
    const fromEnv = override.environment?.find((e) => e.name === 'SESSION_ID')?.value;
    if (fromEnv) return fromEnv;
  }
  return undefined;
};

export class EcsManagedTasks implements ManagedTasks {
  protected readonly clock: Clock;
  protected readonly startedBy: string;

  constructor(
    protected readonly ecs: ECSClient,
    private readonly managed: EcsManagedTasksOptions,
  ) {
    this.startedBy = managed.startedBy;
    if (!TASK_MARKER_PATTERN.test(this.startedBy)) {
      throw new RangeError('the ECS adapter needs a startedBy marker of 1 to 36 letters, digits, -, / or _');
    }
    this.clock = managed.clock ?? systemClock;
  }

  async stop(taskArn: string, reason: string): Promise<void> {
    try {
      await this.ecs.send(new StopTaskCommand({ cluster: this.managed.clusterArn, task: taskArn, reason: truncateReason(reason) }));
    } catch (error) {
      if (isEcsTaskGone(error)) return;
      rethrowAwsError(error, 'ECS StopTask');
    }
  }

  async listManaged(): Promise<ManagedTask[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      let page;
      try {
        // startedBy must be the only filter of ListTasks; desiredStatus defaults to RUNNING, which
        // is what we want (tasks not yet asked to stop, whatever their lastStatus).
        page = await this.ecs.send(new ListTasksCommand({ cluster: this.managed.clusterArn, startedBy: this.startedBy, maxResults: 100, nextToken }));
      } catch (error) {
        return rethrowAwsError(error, 'ECS ListTasks');
      }
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    const tasks = await this.describe(arns);
    return tasks.filter((t) => t.lastStatus !== 'STOPPED');
  }

  async describe(taskArns: readonly string[]): Promise<ManagedTask[]> {
    const out: ManagedTask[] = [];
    for (const batch of chunks(taskArns, DESCRIBE_BATCH)) {
      let response;
      try {
        response = await this.ecs.send(new DescribeTasksCommand({ cluster: this.managed.clusterArn, tasks: batch, include: ['TAGS'] }));
      } catch (error) {
        return rethrowAwsError(error, 'ECS DescribeTasks');
      }
      // MISSING means the task no longer exists (ECS keeps stopped tasks for about an hour). Any
      // other failure says nothing about the task, and leaving it out would let the sweep treat a
      // live task as lost, so it is an error.
      const unexpected = (response.failures ?? []).filter((f) => f.reason !== 'MISSING');
      if (unexpected.length > 0) {
        throw new UnavailableError(`ECS DescribeTasks failed for ${unexpected.length} task(s): ${describeFailure(unexpected[0])}`);
      }
      for (const task of response.tasks ?? []) {
        if (!task.taskArn) continue;
        out.push({
          taskArn: task.taskArn,
          sessionId: sessionIdOf(task),
          lastStatus: task.lastStatus ?? 'UNKNOWN',
          createdAt: task.createdAt?.getTime() ?? this.clock.now(),
        });
      }
    }
    return out;
  }
}
