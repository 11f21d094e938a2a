import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Readable, type Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type LocalTaskProfile,
  ProcessTaskRunner,
  type ProcessTaskRunnerOptions,
  type TaskStateEvent,
  isTaskProcessAlive,
  parseTaskArn,
  taskArnOf,
  taskEnvironment,
} from '../../../local/adapters/process-task-runner';
import { type ProcessTable, psTable, systemProcessTable } from '../../../local/adapters/process-identity';
import { type Log, silentLog } from '../../../lambdas/ports/observability';
import { pidExists, waitFor } from '../../support/wait-for';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');
const SLEEPER = 'test/e2e/fixtures/sleeper.mjs';
const PROFILES: Record<string, LocalTaskProfile> = {
  sleeper: { command: ['node', SLEEPER], stopTimeoutSeconds: 1 },
  missing: { command: ['/nonexistent/program'], stopTimeoutSeconds: 1 },
};

let dataDir: string;
let events: TaskStateEvent[];
let runners: ProcessTaskRunner[];
let pids: number[];

const newRunner = (overrides: Partial<ProcessTaskRunnerOptions> = {}): ProcessTaskRunner => {
  const runner = new ProcessTaskRunner({
    dataDir,
    repoRoot: REPO_ROOT,
    profiles: PROFILES,
    onTaskEvent: (event) => {
      events.push(event);
      return Promise.resolve();
    },
    log: silentLog,
    pollIntervalMs: 50,
    ...overrides,
  });
  runners.push(runner);
  return runner;
};

const startSleeper = async (runner: ProcessTaskRunner, sessionId: string, env: Record<string, string> = {}) => {
  const { taskArn } = await runner.start({
    sessionId,
    ownerId: 'alice',
    profile: 'sleeper',
    environment: { SESSION_ID: sessionId, ...env },
  });
  const pid = parseTaskArn(taskArn)!.pid;
  pids.push(pid);
  return { taskArn, pid };
};

/** Starts a one-profile runner's task for session s-1 and returns its log once `done` holds. */
const runTask = async (profile: LocalTaskProfile, done: (log: string) => boolean, overrides: Partial<ProcessTaskRunnerOptions> = {}) => {
  const runner = newRunner({ profiles: { task: profile }, ...overrides });
  const { taskArn } = await runner.start({ sessionId: 's-1', ownerId: 'alice', profile: 'task', environment: { SESSION_ID: 's-1' } });
  pids.push(parseTaskArn(taskArn)!.pid);
  return waitFor(
    () => {
      const log = existsSync(runner.logPathOf('s-1')) ? readFileSync(runner.logPathOf('s-1'), 'utf8') : '';
      return done(log) ? log : undefined;
    },
    { what: 'the task output' },
  );
};

const eventsOf = (taskArn: string) => events.filter((e) => e.taskArn === taskArn).map((e) => e.lastStatus);

/** A system with neither /proc nor ps: no process start times at all. */
const NO_START_TIMES: ProcessTable = { name: 'none', lookup: () => undefined };

/** A log that keeps its warnings. */
const warningLog = (): Log & { warnings: string[] } => {
  const warnings: string[] = [];
  return { ...silentLog, warn: (message) => warnings.push(message), warnings };
};

interface Stranger {
  pid: number;
  process: ChildProcessByStdio<Writable, Readable, null>;
}

/** An unrelated process leading its own process group (as a task does) that echoes what it is sent. */
const startStranger = async (): Promise<Stranger> => {
  const stranger = spawn('cat', [], { detached: true, stdio: ['pipe', 'pipe', 'ignore'] });
  await once(stranger, 'spawn');
  const pid = stranger.pid!;
  pids.push(pid);
  return { pid, process: stranger };
};

/** Whether it still answers: a signal sent to it earlier would have ended it before it could. */
const answers = async ({ process: stranger }: Stranger): Promise<boolean> => {
  let heard = '';
  stranger.stdout.on('data', (chunk: Buffer) => (heard += chunk.toString()));
  // Writing to one that was killed fails with EPIPE: that is the answer "no".
  stranger.stdin.on('error', () => {});
  stranger.stdin.write('still there?\n');
  const ended = () => stranger.exitCode !== null || stranger.signalCode !== null;
  await waitFor(() => heard.includes('still there?') || ended(), { what: 'the stranger to answer or end' });
  return heard.includes('still there?') && !ended();
};

/** A registry record as a stack that ran without /proc (or ps) left it: no process start time. */
const writeRecordWithoutStartTime = (sessionId: string, pid: number, stop?: { requestedAt: number; reason: string }): string => {
  const taskArn = taskArnOf(sessionId, pid);
  const record = {
    taskArn,
    sessionId,
    ownerId: 'alice',
    profile: 'sleeper',
    pid,
    startedAt: Date.now() - 60_000,
    stopTimeoutSeconds: 1,
    ...(stop && { stopRequestedAt: stop.requestedAt, stopReason: stop.reason }),
  };
  mkdirSync(join(dataDir, 'tasks'), { recursive: true });
  writeFileSync(join(dataDir, 'tasks', `${sessionId}.json`), JSON.stringify(record));
  return taskArn;
};

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'task-runner-'));
  events = [];
  runners = [];
  pids = [];
});

afterEach(async () => {
  for (const runner of runners) await runner.close();
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('ProcessTaskRunner', () => {
  it('starts the profile command detached with the session environment and reports RUNNING', async () => {
    const runner = newRunner();

    const { taskArn, pid } = await startSleeper(runner, 's-1');

    expect(pidExists(pid)).toBe(true);
    expect(taskArn).toBe(taskArnOf('s-1', pid));
    await waitFor(() => eventsOf(taskArn).includes('RUNNING'), { what: 'RUNNING event' });
    await waitFor(() => readFileSync(runner.logPathOf('s-1'), 'utf8').includes('sleeper s-1: started'), { what: 'task log' });
    expect(await runner.listManaged()).toEqual([expect.objectContaining({ taskArn, sessionId: 's-1', lastStatus: 'RUNNING' })]);
  });

  it('returns the same task when a session is started twice', async () => {
    const runner = newRunner();
    const first = await startSleeper(runner, 's-1');

    const second = await startSleeper(runner, 's-1');

    expect(second.taskArn).toBe(first.taskArn);
  });

  it('fails the start when the command cannot be run', async () => {
    const runner = newRunner();

    await expect(runner.start({ sessionId: 's-1', ownerId: 'alice', profile: 'missing', environment: {} })).rejects.toThrow();
    expect(await runner.listManaged()).toEqual([]);
  });

  it('stops a task with SIGTERM and reports STOPPED with the stop reason', async () => {
    const runner = newRunner();
    const { taskArn, pid } = await startSleeper(runner, 's-1');

    await runner.stop(taskArn, 'idle timeout');

    await waitFor(() => !pidExists(pid), { timeoutMs: 3000, what: 'task exit' });
    await waitFor(() => eventsOf(taskArn).includes('STOPPED'), { what: 'STOPPED event' });
    expect(eventsOf(taskArn)).toEqual(['RUNNING', 'STOPPED']);
    expect(events.at(-1)?.stoppedReason).toBe('idle timeout');
    expect(await runner.listManaged()).toEqual([]);
    await expect(runner.stop(taskArn, 'again')).resolves.toBeUndefined();
  });

  it('kills the whole process group when SIGTERM is ignored past the stop timeout', async () => {
    const runner = newRunner();
    const { taskArn, pid } = await startSleeper(runner, 's-1', { SLEEPER_IGNORE_SIGTERM: '1', SLEEPER_CHILD: '1' });
    const grandchild = Number(
      (await waitFor(() => /grandchild (\d+)/.exec(readFileSync(runner.logPathOf('s-1'), 'utf8')), { what: 'grandchild' }))[1],
    );

    await runner.stop(taskArn, 'user request');

    await waitFor(() => !pidExists(pid) && !pidExists(grandchild), { timeoutMs: 3000, what: 'group killed' });
    await waitFor(() => eventsOf(taskArn).includes('STOPPED'), { what: 'STOPPED event' });
  });

  it('kills what is left of the group after the stop timeout, also when the leader exited on SIGTERM', async () => {
    // The leader exits on SIGTERM; its child ignores SIGTERM (inherited) and must not outlive the stop.
    const script = 'trap "" TERM; sleep 1000 & echo "grandchild $!"; trap "exit 0" TERM; wait';
    const runner = new ProcessTaskRunner({
      dataDir,
      repoRoot: REPO_ROOT,
      profiles: { shell: { command: ['sh', '-c', script], stopTimeoutSeconds: 1 } },
      onTaskEvent: (event) => {
        events.push(event);
        return Promise.resolve();
      },
      log: silentLog,
      pollIntervalMs: 50,
    });
    runners.push(runner);
    const { taskArn } = await runner.start({ sessionId: 's-1', ownerId: 'alice', profile: 'shell', environment: {} });
    const pid = parseTaskArn(taskArn)!.pid;
    pids.push(pid);
    const grandchild = Number(
      (await waitFor(() => /grandchild (\d+)/.exec(readFileSync(runner.logPathOf('s-1'), 'utf8')), { what: 'grandchild' }))[1],
    );

    await runner.stop(taskArn, 'user request');

    await waitFor(() => eventsOf(taskArn).includes('STOPPED'), { what: 'STOPPED event of the leader' });
    await waitFor(() => !pidExists(grandchild), { timeoutMs: 4000, what: 'grandchild killed after the stop timeout' });
  });

  it('reports STOPPED when a task is killed from outside', async () => {
    const runner = newRunner();
    const { taskArn, pid } = await startSleeper(runner, 's-1');

    process.kill(pid, 'SIGKILL');

    await waitFor(() => eventsOf(taskArn).includes('STOPPED'), { what: 'STOPPED event' });
    expect(events.at(-1)?.stoppedReason).toMatch(/exited/);
  });

  it('closes only after the STOPPED report of a task that just exited has been handled', async () => {
    // The local stack closes DynamoDB right after the runner: a report still running then would
    // write to a closed database.
    let finishHandling: () => void = () => {};
    let handling = false;
    const runner = new ProcessTaskRunner({
      dataDir,
      repoRoot: REPO_ROOT,
      profiles: PROFILES,
      onTaskEvent: (event) => {
        if (event.lastStatus !== 'STOPPED') return Promise.resolve();
        handling = true;
        return new Promise<void>((done) => (finishHandling = done));
      },
      log: silentLog,
    });
    runners.push(runner);
    const { pid } = await startSleeper(runner, 's-1');
    process.kill(pid, 'SIGKILL');
    await waitFor(() => handling, { what: 'the STOPPED report to be handled' });

    let closed = false;
    const closing = runner.close().then(() => (closed = true));
    await new Promise((tick) => setImmediate(tick));
    expect(closed).toBe(false);
    finishHandling();
    await closing;

    expect(closed).toBe(true);
  });

  it('adopts running tasks after a restart, and reports them STOPPED when they exit', async () => {
    const first = newRunner();
    const { taskArn, pid } = await startSleeper(first, 's-1');
    await first.close();
    events = [];

    const second = newRunner();
    expect(second.adopt()).toEqual({ adopted: 1, exited: 0 });
    expect(await second.listManaged()).toEqual([expect.objectContaining({ taskArn, lastStatus: 'RUNNING' })]);
    process.kill(pid, 'SIGKILL');

    await waitFor(() => eventsOf(taskArn).includes('STOPPED'), { what: 'STOPPED event of an adopted task' });
    expect(await second.listManaged()).toEqual([]);
  });

  it('reports tasks that exited while no runner watched them as STOPPED on adoption', async () => {
    const first = newRunner();
    const { taskArn, pid } = await startSleeper(first, 's-1');
    await first.close();
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !pidExists(pid), { what: 'task exit' });

    const second = newRunner();

    expect(second.adopt()).toEqual({ adopted: 0, exited: 1 });
    await waitFor(() => eventsOf(taskArn).includes('STOPPED'), { what: 'STOPPED event' });
    expect(readdirSync(join(dataDir, 'tasks')).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('does not mistake a reused pid for its task, nor take a pid it has no start time for as its task', () => {
    // This test process stands in for an unrelated process that got the recorded pid.
    const ownStartTime = systemProcessTable().lookup(process.pid)?.startTime;
    expect(ownStartTime).toBeDefined();

    expect(isTaskProcessAlive({ pid: process.pid })).toBe(false);
    expect(isTaskProcessAlive({ pid: process.pid, processStartTime: '1' })).toBe(false);
    expect(isTaskProcessAlive({ pid: process.pid, processStartTime: ownStartTime })).toBe(true);
  });

  it('describes known tasks and leaves out unknown ones', async () => {
    const runner = newRunner();
    const { taskArn } = await startSleeper(runner, 's-1');
    writeFileSync(join(dataDir, 'tasks', 'junk.json'), 'not json');

    const described = await runner.describe([taskArn, taskArnOf('s-2', 1), 'arn:aws:ecs:eu-west-1:1:task/c/x']);

    expect(described).toEqual([expect.objectContaining({ taskArn, sessionId: 's-1', lastStatus: 'RUNNING' })]);
  });
  it('runs a sh -c script as written: arguments with a / are not taken for repository paths', async () => {
    const work = mkdtempSync(join(tmpdir(), 'task-work-'));
    try {
      // The script is one argument holding `/`; `$1` is a relative path the script means under $WORK.
      const script = 'mkdir -p "$WORK"/"$1" && echo "made $1" > "$WORK"/"$1"/ok && echo done';
      const profile = { command: ['sh', '-c', script, 'task', 'sub/dir'], env: { WORK: work }, stopTimeoutSeconds: 1 };

      await runTask(profile, (log) => log.includes('done'));

      expect(readFileSync(join(work, 'sub', 'dir', 'ok'), 'utf8')).toBe('made sub/dir\n');
      expect(existsSync(join(REPO_ROOT, 'sub'))).toBe(false);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('resolves a relative program path against the repo root and runs the task there', async () => {
    const repoRoot = mkdtempSync(join(tmpdir(), 'task-repo-'));
    try {
      mkdirSync(join(repoRoot, 'bin'));
      writeFileSync(join(repoRoot, 'bin', 'task.sh'), '#!/bin/sh\necho "ran $0 in $(pwd) with $1"\n');
      chmodSync(join(repoRoot, 'bin', 'task.sh'), 0o755);
      const profile = { command: ['bin/task.sh', 'data/in'], stopTimeoutSeconds: 1 };

      const log = await runTask(profile, (out) => out.includes('ran'), { repoRoot });

      expect(log.trim()).toBe(`ran ${join(repoRoot, 'bin', 'task.sh')} in ${repoRoot} with data/in`);
    } finally {
      rmSync(repoRoot, { recursive: true, force: true });
    }
  });

  it("gives the task only PATH, HOME, LANG and TZ of the operator's environment, the profile's env and the session's", async () => {
    const hostEnvironment = {
      PATH: process.env.PATH,
      HOME: '/home/operator',
      LANG: 'C.UTF-8',
      TZ: 'Europe/Berlin',
      AWS_SECRET_ACCESS_KEY: 'x',
      GITHUB_TOKEN: 'ghp_secret',
    };
    const dump = 'process.stdout.write(`env ${JSON.stringify(process.env)}\\n`)';
    const profile = { command: ['node', '-e', dump], env: { GREETING: 'hello' }, stopTimeoutSeconds: 1 };

    const log = await runTask(profile, (out) => out.includes('\n'), { hostEnvironment });

    expect(JSON.parse(log.slice('env '.length))).toEqual({
      PATH: process.env.PATH,
      HOME: '/home/operator',
      LANG: 'C.UTF-8',
      TZ: 'Europe/Berlin',
      GREETING: 'hello',
      SESSION_ID: 's-1',
    });
  });
});

describe('ProcessTaskRunner with the session agent', () => {
  // A stand-in agent: prints what it was given and leaves.
  const agentCommand = ['sh', '-c', 'echo "agent cpus=$SESSION_AGENT_CPUS hook=$SESSION_AGENT_HOOK argv=$*"', 'agent'];
  const profile: LocalTaskProfile = { command: ['bin/task.sh', 'x'], stopTimeoutSeconds: 1, agentEnv: { SESSION_AGENT_CPUS: '0.25', SESSION_AGENT_HOOK: '["save"]' } };

  it('runs every task as `<agent> -- <command…>`, the program resolved, with the agent settings of the profile', async () => {
    const log = await runTask(profile, (out) => out.includes('argv'), { agentCommand });

    expect(log.trim()).toBe(`agent cpus=0.25 hook=["save"] argv=-- ${join(REPO_ROOT, 'bin', 'task.sh')} x`);
  });

  it('gives no agent settings to a task run without the agent', async () => {
    const dump = { ...profile, command: ['sh', '-c', 'echo "cpus=${SESSION_AGENT_CPUS:-none}"'] };

    expect((await runTask(dump, (out) => out.includes('cpus'))).trim()).toBe('cpus=none');
  });
});

describe('taskEnvironment', () => {
  it('lets the profile env override the host variables, and the session variables override both', () => {
    const env = taskEnvironment(
      { PATH: '/usr/bin', HOME: '/home/operator', SHELL: '/bin/zsh' },
      { PATH: '/opt/tool/bin:/usr/bin', SESSION_ID: 'from-profile' },
      { SESSION_ID: 's-1' },
    );

    expect(env).toEqual({ PATH: '/opt/tool/bin:/usr/bin', HOME: '/home/operator', SESSION_ID: 's-1' });
  });
});

describe('ProcessTaskRunner without /proc', () => {
  it('never signals a process that got the pid of a task it cannot prove is its own, on stop or in the sweep list', async () => {
    const stranger = await startStranger();
    const taskArn = writeRecordWithoutStartTime('s-1', stranger.pid);
    const log = warningLog();
    const runner = newRunner({ processTable: NO_START_TIMES, log });

    const managed = await runner.listManaged();
    await runner.stop(taskArn, 'user request');

    expect(await answers(stranger)).toBe(true);
    expect(managed).toEqual([]);
    expect(await runner.describe([taskArn])).toEqual([expect.objectContaining({ taskArn, lastStatus: 'STOPPED' })]);
    expect(log.warnings).toContainEqual(expect.stringMatching(`^task ${taskArn}: not stopped: pid ${stranger.pid} is in use`));
  });

  it('after a restart, reports such a task lost and never kills the process that holds its pid, even with a stop overdue', async () => {
    const stranger = await startStranger();
    // The stop was requested long ago: a pending SIGKILL would be due at once.
    const taskArn = writeRecordWithoutStartTime('s-1', stranger.pid, { requestedAt: Date.now() - 30_000, reason: 'idle timeout' });
    const log = warningLog();
    const runner = newRunner({ processTable: NO_START_TIMES, log });

    const adoption = runner.adopt();
    await waitFor(() => eventsOf(taskArn).includes('STOPPED'), { what: 'STOPPED event of the lost task' });

    expect(await answers(stranger)).toBe(true);
    expect(adoption).toEqual({ adopted: 0, exited: 1 });
    expect(events.at(-1)?.stoppedReason).toBe('idle timeout');
    expect(log.warnings).toContainEqual(expect.stringMatching(`^task ${taskArn}: lost: pid ${stranger.pid} is in use.*never signalled`));
    expect(await runner.listManaged()).toEqual([]);
  });

  it('still stops the task it spawned, and its whole group after the stop timeout (its child handle proves it)', async () => {
    const log = warningLog();
    const runner = newRunner({ processTable: NO_START_TIMES, log });
    const { taskArn, pid } = await startSleeper(runner, 's-1', { SLEEPER_IGNORE_SIGTERM: '1', SLEEPER_CHILD: '1' });
    const grandchild = Number(
      (await waitFor(() => /grandchild (\d+)/.exec(readFileSync(runner.logPathOf('s-1'), 'utf8')), { what: 'grandchild' }))[1],
    );
    expect(await runner.listManaged()).toEqual([expect.objectContaining({ taskArn, lastStatus: 'RUNNING' })]);

    await runner.stop(taskArn, 'user request');

    await waitFor(() => !pidExists(pid) && !pidExists(grandchild), { timeoutMs: 3000, what: 'group killed' });
    await waitFor(() => eventsOf(taskArn).includes('STOPPED'), { what: 'STOPPED event' });
    expect(events.at(-1)?.stoppedReason).toBe('user request');
    expect(log.warnings).toContainEqual(expect.stringMatching(/^task runner: none reports no process start times/));
  });

  it('with ps, adopts a task after a restart and stops it, but not a process whose start time differs', async () => {
    const first = newRunner({ processTable: psTable });
    const { taskArn, pid } = await startSleeper(first, 's-1');
    await first.close();
    const stranger = await startStranger();
    const strangerArn = taskArnOf('s-2', stranger.pid);
    writeFileSync(
      join(dataDir, 'tasks', 's-2.json'),
      JSON.stringify({
        ...JSON.parse(readFileSync(join(dataDir, 'tasks', 's-1.json'), 'utf8')),
        taskArn: strangerArn,
        sessionId: 's-2',
        pid: stranger.pid,
        processStartTime: 'Thu Jan  1 00:00:00 1970',
      }),
    );
    events = [];

    const second = newRunner({ processTable: psTable });
    expect(second.adopt()).toEqual({ adopted: 1, exited: 1 });
    await second.stop(taskArn, 'user request');
    await second.stop(strangerArn, 'user request');

    await waitFor(() => !pidExists(pid), { timeoutMs: 3000, what: 'adopted task exit' });
    await waitFor(() => eventsOf(taskArn).includes('STOPPED'), { what: 'STOPPED event of the adopted task' });
    expect(await answers(stranger)).toBe(true);
  });
});

