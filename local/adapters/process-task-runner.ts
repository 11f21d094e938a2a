// The local stand-in for ECS: each session's task is a detached child process in its own process
// group. A registry file per task under `<dataDir>/tasks/` lets a restarted stack adopt the tasks
// that kept running, and state changes are reported like ECS Task State Change events
// (RUNNING after spawn, STOPPED on exit) so the same use case keeps records in step. It signals only a
// process it can prove is its task (README, Known limits): a pid may since belong to someone else.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { type Clock, systemClock } from '../../lambdas/ports/clock';
import { type Log } from '../../lambdas/ports/observability';
import { type ManagedTask, type StartTaskRequest, type TaskRunner } from '../../lambdas/ports/task-runner';
import { type ProcessInfo, type ProcessTable, systemProcessTable } from './process-identity';
import { type TaskStartRate, TokenBucket } from './task-start-rate';

export interface LocalTaskProfile {
  /**
   * argv, run as written: only the program (the first element) is resolved, against the repo root
   * if it is a relative path; a bare name is looked up on the task's PATH.
   */
  command: readonly string[];
  /** The profile's `local.env`: literal values the task gets on top of the minimal environment. */
  env?: Readonly<Record<string, string>>;
  stopTimeoutSeconds: number;
  /** What the session agent gets from the profile (contract/profile-schema.ts `agentEnvironment`). */
  agentEnv?: Readonly<Record<string, string>>;
}

/** What ECS would put in a Task State Change event, reduced to what the use case reads. */
export interface TaskStateEvent {
  taskArn: string;
  lastStatus: 'RUNNING' | 'STOPPED';
  sessionId: string;
  stoppedReason?: string;
}

export interface ProcessTaskRunnerOptions {
  dataDir: string;
  repoRoot: string;
  profiles: Readonly<Record<string, LocalTaskProfile>>;
  /** Receives RUNNING/STOPPED events; errors are logged (the sweep repairs what a lost event leaves). */
  onTaskEvent: (event: TaskStateEvent) => Promise<unknown>;
  log: Log;
  clock?: Clock;
  /** How often adopted tasks (not our children, so no 'exit' event) are checked (default 500 ms). */
  pollIntervalMs?: number;
  /** The operator's environment, of which tasks get only HOST_VARIABLES (default process.env). */
  hostEnvironment?: NodeJS.ProcessEnv;
  /** Where process start times come from (default /proc, else `ps`); tests simulate a system without /proc. */
  processTable?: ProcessTable;
  /** An ECS-like launch rate: starts beyond it are refused as RunTask throttles are (default: unlimited). */
  startRate?: TaskStartRate;
  /**
   * The session agent (README "The session agent"), e.g. `[node, <bundle>]`: when set, every task is
   * `<agent> -- <command…>`, the agent leading the task's process group, and a stop's SIGTERM goes to
   * the agent alone, which runs the profile's hook and passes it on to the workload's group.
   */
  agentCommand?: readonly string[];
}

/** One task as the registry file keeps it. */
interface TaskRecord {
  taskArn: string;
  sessionId: string;
  ownerId: string;
  profile: string;
  pid: number;
  /** Epoch milliseconds. */
  startedAt: number;
  /** Start time of the process as the process table spells it, to tell our process from a reused pid. */
  processStartTime?: string;
  stopTimeoutSeconds: number;
  stopRequestedAt?: number;
  stopReason?: string;
}

interface Watched {
  record: TaskRecord;
  child?: ChildProcess;
  /** Events of one task are delivered in order: RUNNING before STOPPED. */
  events: Promise<void>;
  killTimer?: NodeJS.Timeout;
  finished: boolean;
}

/**
 * What a task takes from the operator's environment: PATH (so `node` and `sh` are found as in the
 * shell that started the stack), HOME, LANG and TZ. Nothing else: a Fargate task sees only what its
 * task definition and the overrides give it, and credentials in the operator's shell must not leak.
 */
export const HOST_VARIABLES = ['PATH', 'HOME', 'LANG', 'TZ'] as const;

/**
 * A task's whole environment, lowest precedence first: the host variables, the profile's
 * `local.env`, the session variables (which win, as container overrides win over a task definition).
 */
export const taskEnvironment = (
  host: NodeJS.ProcessEnv,
  profileEnv: Readonly<Record<string, string>>,
  sessionEnv: Readonly<Record<string, string>>,
): Record<string, string> => {
  const inherited = HOST_VARIABLES.flatMap((name) => {
    const value = host[name];
    return value === undefined ? [] : [[name, value] as const];
  });
  return { ...Object.fromEntries(inherited), ...profileEnv, ...sessionEnv };
};

/**
 * The session variables of a local task: the request's environment plus SESSION_ACTIVITY_TOKEN. A
 * child's environment is read by nobody but the operator's own user, so the local stack's tasks keep
 * authenticating with the token (there is no IAM to sign with here).
 */
export const sessionVariablesOf = (request: Pick<StartTaskRequest, 'environment' | 'activityToken'>): Record<string, string> => ({
  ...request.environment,
  ...(request.activityToken !== undefined && { SESSION_ACTIVITY_TOKEN: request.activityToken }),
});

const ARN_PREFIX = 'local:task/';
const SAFE_ID = /^[A-Za-z0-9._-]{1,128}$/;

export const taskArnOf = (sessionId: string, pid: number): string => `${ARN_PREFIX}${sessionId}/${pid}`;

/** The session id and pid in a local task ARN, or undefined for anything else (e.g. an ECS ARN). */
export const parseTaskArn = (taskArn: string): { sessionId: string; pid: number } | undefined => {
  const match = /^local:task\/([A-Za-z0-9._-]{1,128})\/(\d+)$/.exec(taskArn);
  if (!match) return undefined;
  return { sessionId: match[1], pid: Number(match[2]) };
};

const errnoOf = (error: unknown): string | undefined =>
  error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;

/** Whether some process (a zombie too) has this pid and we may signal it. */
const pidExists = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: no such process. EPERM: one exists with this pid but it is not ours, so ours is gone.
    return false;
  }
};

/**
 * What the runner knows of a task's process: `running` only when proven to be the task, `gone` when
 * proven not to run, `unproven` when a process has the pid but nothing tells whether it is the task
 * (no start time recorded, or none to compare it with).
 */
export type TaskProcessState = 'running' | 'gone' | 'unproven';

export const taskProcessState = (
  record: Pick<TaskRecord, 'pid' | 'processStartTime'>,
  table: ProcessTable,
  child?: ChildProcess,
): TaskProcessState => {
  // A child we spawned and Node has not reaped yet still holds its pid: nobody else can have it.
  if (child) return child.exitCode === null && child.signalCode === null ? 'running' : 'gone';
  if (!pidExists(record.pid)) return 'gone';
  const info = table.lookup(record.pid);
  if (info?.zombie) return 'gone';
  if (info === undefined || record.processStartTime === undefined) return 'unproven';
  return info.startTime === record.processStartTime ? 'running' : 'gone';
};

/** Whether the recorded process provably still runs: exists, is not a zombie, and is the one we started. */
export const isTaskProcessAlive = (
  record: Pick<TaskRecord, 'pid' | 'processStartTime'>,
  table: ProcessTable = systemProcessTable(),
): boolean => taskProcessState(record, table) === 'running';

/** Whether anything of the task's process group is left (children may outlive the leader). */
const groupAlive = (pid: number): boolean => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

const startTimeOf = (info: ProcessInfo | undefined): Pick<TaskRecord, 'processStartTime'> =>
  info === undefined ? {} : { processStartTime: info.startTime };

const signalGroup = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if (errnoOf(error) !== 'ESRCH') throw error;
  }
};

const signalProcess = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if (errnoOf(error) !== 'ESRCH') throw error;
  }
};

export class ProcessTaskRunner implements TaskRunner {
  private readonly dir: string;
  private readonly clock: Clock;
  private readonly watched = new Map<string, Watched>();
  private readonly starting = new Map<string, Promise<{ taskArn: string }>>();
  private pollTimer?: NodeJS.Timeout;
  private closed = false;
  /** Task events still being handled, also of tasks no longer watched (a STOPPED report outlives its entry). */
  private readonly reporting = new Set<Promise<void>>();

  private readonly table: ProcessTable;
  private readonly launchRate?: TokenBucket;

  constructor(private readonly options: ProcessTaskRunnerOptions) {
    this.dir = join(options.dataDir, 'tasks');
    this.clock = options.clock ?? systemClock;
    if (options.startRate !== undefined) this.launchRate = new TokenBucket(options.startRate, this.clock);
    this.table = options.processTable ?? systemProcessTable();
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (this.table.lookup(process.pid) === undefined) {
      options.log.warn(
        `task runner: ${this.table.name} reports no process start times, so a task can be stopped only by the stack that ` +
          'started it; after a restart its tasks are reported lost and never signalled (stop them by hand)',
      );
    }
  }

  /** The log file of a session's task (stdout and stderr). */
  logPathOf(sessionId: string): string {
    return join(this.dir, `${sessionId}.log`);
  }

  /**
   * Takes over the tasks a previous run of the stack left behind: running ones are watched again
   * (and a pending SIGKILL re-scheduled); ones that died meanwhile are reported STOPPED now.
   */
  adopt(): { adopted: number; exited: number } {
    let adopted = 0;
    let exited = 0;
    for (const record of this.readRegistry()) {
      if (this.watched.has(record.sessionId)) continue;
      const entry: Watched = { record, events: Promise.resolve(), finished: false };
      this.watched.set(record.sessionId, entry);
      const state = this.stateOf(entry);
      if (state === 'running') {
        adopted++;
        if (record.stopRequestedAt !== undefined) this.scheduleKill(entry);
      } else {
        exited++;
        if (state === 'unproven') this.lose(entry);
        else this.finish(entry, record.stopReason ?? 'Task exited while the local stack was down');
      }
    }
    this.ensurePolling();
    return { adopted, exited };
  }

  start(request: StartTaskRequest): Promise<{ taskArn: string }> {
    if (this.closed) return Promise.reject(new Error('task runner is closed'));
    if (!SAFE_ID.test(request.sessionId)) return Promise.reject(new Error('invalid session id'));
    // Idempotent per session, like ECS clientToken: a concurrent or repeated start gets the same task.
    const pending = this.starting.get(request.sessionId);
    if (pending) return pending;
    const existing = this.watched.get(request.sessionId);
    if (existing && !existing.finished && this.stateOf(existing) === 'running') {
      return Promise.resolve({ taskArn: existing.record.taskArn });
    }
    // Only a launch takes a token: ECS answers a repeated clientToken without launching.
    try {
      this.launchRate?.take();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const started = this.spawnTask(request).finally(() => this.starting.delete(request.sessionId));
    this.starting.set(request.sessionId, started);
    return started;
  }

  stop(taskArn: string, reason: string): Promise<void> {
    const parsed = parseTaskArn(taskArn);
    if (!parsed) return Promise.resolve();
    const entry = this.entryFor(parsed.sessionId, parsed.pid);
    // Unknown or gone: success, as ECS StopTask is on a stopped task.
    if (!entry || entry.finished) return Promise.resolve();
    const state = this.stateOf(entry);
    if (state === 'unproven') {
      // Lost rather than stopped: the process at that pid may be anyone's.
      if (this.watched.get(parsed.sessionId) === entry) this.lose(entry);
      else this.options.log.warn(`task ${taskArn}: not stopped: ${this.unprovenWhy(entry.record)}`);
    }
    if (state !== 'running') return Promise.resolve();
    if (entry.record.stopRequestedAt === undefined) {
      entry.record = { ...entry.record, stopRequestedAt: this.clock.now(), stopReason: reason };
      this.writeRecord(entry.record);
    }
    this.options.log.info(`task ${taskArn}: SIGTERM (${reason})`);
    // Under the agent, to the agent alone: it runs the hook first, then signals the workload's group.
    if (this.options.agentCommand !== undefined) signalProcess(entry.record.pid, 'SIGTERM');
    else signalGroup(entry.record.pid, 'SIGTERM');
    this.scheduleKill(entry);
    return Promise.resolve();
  }

  listManaged(): Promise<ManagedTask[]> {
    // Only what is provably ours: the sweep stops the orphans among these.
    const tasks = this.readRegistry()
      .filter((record) => this.stateOfRecord(record) === 'running')
      .map((record) => this.toManaged(record));
    return Promise.resolve(tasks);
  }

  describe(taskArns: readonly string[]): Promise<ManagedTask[]> {
    const found: ManagedTask[] = [];
    for (const taskArn of taskArns) {
      const parsed = parseTaskArn(taskArn);
      if (!parsed) continue;
      const record = this.readRecord(parsed.sessionId);
      if (!record || record.pid !== parsed.pid) continue;
      const running = this.stateOfRecord(record) === 'running';
      found.push(running ? this.toManaged(record) : { ...this.toManaged(record), lastStatus: 'STOPPED' });
    }
    return Promise.resolve(found);
  }

  /**
   * Stops watching and reporting, and leaves every task running: they are adopted by the next
   * start. Waits for events already being delivered.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pollTimer);
    const pending: Promise<void>[] = [];
    for (const entry of this.watched.values()) {
      clearTimeout(entry.killTimer);
      entry.child?.removeAllListeners('exit');
      pending.push(entry.events);
    }
    this.watched.clear();
    // Whoever closes us next closes the store these events write to: let them land first.
    await Promise.allSettled([...pending, ...this.reporting]);
  }

  private async spawnTask(request: StartTaskRequest): Promise<{ taskArn: string }> {
    const profile = this.options.profiles[request.profile];
    if (!profile) throw new Error(`profile ${request.profile} has no local command`);
    const [program, ...args] = this.commandOf(profile);
    const logFd = openSync(this.logPathOf(request.sessionId), 'a', 0o600);
    let child: ChildProcess;
    try {
      child = spawn(program, args, {
        cwd: this.options.repoRoot,
        detached: true,
        stdio: ['ignore', logFd, logFd],
        env: taskEnvironment(this.options.hostEnvironment ?? process.env, { ...profile.env, ...(this.options.agentCommand && profile.agentEnv) }, sessionVariablesOf(request)),
      });
      await new Promise<void>((resolveSpawn, rejectSpawn) => {
        child.once('spawn', resolveSpawn);
        child.once('error', rejectSpawn);
      });
    } finally {
      closeSync(logFd);
    }
    const pid = child.pid!;
    const record: TaskRecord = {
      taskArn: taskArnOf(request.sessionId, pid),
      sessionId: request.sessionId,
      ownerId: request.ownerId,
      profile: request.profile,
      pid,
      startedAt: this.clock.now(),
      // Not reaped yet (we hold the handle, no 'exit'), so the pid is still this child's.
      ...startTimeOf(this.table.lookup(pid)),
      stopTimeoutSeconds: profile.stopTimeoutSeconds,
    };
    const entry: Watched = { record, child, events: Promise.resolve(), finished: false };
    child.once('exit', (code, signal) => {
      const how = signal ? `signal ${signal}` : `exit code ${code ?? '?'}`;
      this.finish(entry, entry.record.stopReason ?? `Essential container in task exited (${how})`);
    });
    // The stack may exit while tasks run on; they are adopted on the next start.
    child.unref();
    this.writeRecord(record);
    this.watched.set(request.sessionId, entry);
    this.options.log.info(`task ${record.taskArn}: started ${profile.command.join(' ')}${this.options.agentCommand ? ' under the session agent' : ''}`);
    this.report(entry, { taskArn: record.taskArn, lastStatus: 'RUNNING', sessionId: record.sessionId });
    return { taskArn: record.taskArn };
  }

  /** The state of a task's process; a child of ours is told by its handle, anything else by the process table. */
  private stateOf(entry: Pick<Watched, 'record' | 'child'>): TaskProcessState {
    return taskProcessState(entry.record, this.table, entry.child);
  }

  /** The state of a registry record's process, by the child handle when it is a task we watch. */
  private stateOfRecord(record: TaskRecord): TaskProcessState {
    const entry = this.watched.get(record.sessionId);
    return this.stateOf(entry?.record.pid === record.pid ? entry : { record });
  }

  private unprovenWhy(record: TaskRecord): string {
    const missing =
      record.processStartTime === undefined ? 'no start time was recorded for it' : `${this.table.name} cannot tell its start time`;
    return (
      `pid ${record.pid} is in use, but ${missing}, so it may be another process and is never signalled; ` +
      'if the task still runs, stop it by hand'
    );
  }

  /** A process holds the task's pid but may not be the task: report the task lost, and leave that process alone. */
  private lose(entry: Watched): void {
    this.options.log.warn(`task ${entry.record.taskArn}: lost: ${this.unprovenWhy(entry.record)}`);
    this.finish(entry, entry.record.stopReason ?? 'Task lost: its process could not be told from another with the same pid');
  }

  /** The task is gone: forget it and report STOPPED (once). */
  private finish(entry: Watched, stoppedReason: string): void {
    if (entry.finished) return;
    entry.finished = true;
    // After a stop request the pending SIGKILL stays: the leader may exit on SIGTERM while other
    // processes of its group ignore it, and they must not outlive the stop timeout.
    if (entry.record.stopRequestedAt === undefined) clearTimeout(entry.killTimer);
    const { record } = entry;
    // A newer task of the same session (a repeated start) owns the registry file by now.
    if (this.readRecord(record.sessionId)?.pid === record.pid) rmSync(this.recordPath(record.sessionId), { force: true });
    if (this.watched.get(record.sessionId) === entry) this.watched.delete(record.sessionId);
    this.options.log.info(`task ${record.taskArn}: stopped (${stoppedReason})`);
    this.report(entry, { taskArn: record.taskArn, lastStatus: 'STOPPED', sessionId: record.sessionId, stoppedReason });
  }

  private report(entry: Watched, event: TaskStateEvent): void {
    if (this.closed) return;
    entry.events = entry.events.then(async () => {
      try {
        await this.options.onTaskEvent(event);
      } catch (error) {
        this.options.log.error('task event handling failed', { taskArn: event.taskArn, lastStatus: event.lastStatus, error: String(error) });
      }
    });
    const events = entry.events;
    this.reporting.add(events);
    void events.finally(() => this.reporting.delete(events));
  }

  /** SIGKILL the group once the stop timeout after the stop request has passed, if anything is left. */
  private scheduleKill(entry: Watched): void {
    const { stopRequestedAt, stopTimeoutSeconds, pid, taskArn } = entry.record;
    if (stopRequestedAt === undefined || entry.killTimer) return;
    const delay = Math.max(0, stopRequestedAt + stopTimeoutSeconds * 1000 - this.clock.now());
    entry.killTimer = setTimeout(() => {
      // Once the leader is gone, its pid is not reused while any of its group is left: a live process
      // with that pid means the group is gone and the pid (and group id) belong to someone else.
      if (this.stateOf(entry) === 'running' || (!this.pidInUse(pid) && groupAlive(pid))) {
        this.options.log.warn(`task ${taskArn}: still running ${stopTimeoutSeconds}s after SIGTERM, SIGKILL`);
        signalGroup(pid, 'SIGKILL');
      }
    }, delay);
    entry.killTimer.unref();
  }

  private ensurePolling(): void {
    if (this.pollTimer || this.closed) return;
    // Adopted tasks are not our children: no 'exit' event, so check liveness instead.
    this.pollTimer = setInterval(() => {
      for (const entry of [...this.watched.values()]) {
        if (entry.child || entry.finished) continue;
        const state = this.stateOf(entry);
        if (state === 'unproven') this.lose(entry);
        else if (state === 'gone') this.finish(entry, entry.record.stopReason ?? 'Essential container in task exited');
      }
    }, this.options.pollIntervalMs ?? 500);
    this.pollTimer.unref();
  }

  /**
   * Whether a process (not a zombie) has this pid; after the leader is gone, that one is not ours.
   * When the table cannot tell a zombie, it counts as in use: then nothing is signalled.
   */
  private pidInUse(pid: number): boolean {
    return pidExists(pid) && this.table.lookup(pid)?.zombie !== true;
  }

  private entryFor(sessionId: string, pid: number): Watched | undefined {
    const entry = this.watched.get(sessionId);
    if (entry?.record.pid === pid) return entry;
    // A task this runner does not watch (e.g. started by another process on the same data dir).
    const record = this.readRecord(sessionId);
    if (record?.pid !== pid) return undefined;
    return { record, events: Promise.resolve(), finished: false };
  }

  private toManaged(record: TaskRecord): ManagedTask {
    return {
      taskArn: record.taskArn,
      sessionId: record.sessionId,
      lastStatus: record.stopRequestedAt === undefined ? 'RUNNING' : 'STOPPING',
      createdAt: record.startedAt,
    };
  }

  /** The argv of a task: the profile's command, under the agent when there is one. */
  private commandOf(profile: LocalTaskProfile): [string, ...string[]] {
    const [program, ...args] = profile.command;
    const workload = [this.resolveProgram(program), ...args];
    const agent = this.options.agentCommand;
    if (agent === undefined || agent.length === 0) return workload as [string, ...string[]];
    return [agent[0], ...agent.slice(1), '--', ...workload];
  }

  /**
   * A relative program path (`bin/x.sh`, `./x`) means the repository's file, whatever directory the
   * stack was started from; a bare name (`node`, `sh`) is left for the PATH lookup. Arguments are
   * never touched: `"$DIR"/sub` in a `sh -c` script is the script's business.
   */
  private resolveProgram(program: string): string {
    if (isAbsolute(program) || !/[\\/]/.test(program)) return program;
    return resolve(this.options.repoRoot, program);
  }

  private recordPath(sessionId: string): string {
    return join(this.dir, `${sessionId}.json`);
  }

  private writeRecord(record: TaskRecord): void {
    const path = this.recordPath(record.sessionId);
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    renameSync(temp, path);
  }

  private readRecord(sessionId: string): TaskRecord | undefined {
    if (!SAFE_ID.test(sessionId)) return undefined;
    try {
      return JSON.parse(readFileSync(this.recordPath(sessionId), 'utf8')) as TaskRecord;
    } catch {
      return undefined;
    }
  }

  private readRegistry(): TaskRecord[] {
    return readdirSync(this.dir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => this.readRecord(name.slice(0, -'.json'.length)))
      .filter((record): record is TaskRecord => record !== undefined);
  }
}
