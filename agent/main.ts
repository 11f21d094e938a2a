// `session-agent [-- <command…>]` (README "The session agent"): puts the agent together from its
// environment and runs it, as a sidecar (no command: reports until SIGTERM) or as a wrapper (runs
// the command, passes signals on, waits for it within the stop timeout, ends with its exit code).
import { randomBytes } from 'node:crypto';
import { HttpActivityClient } from './activity-client';
import { diskPercentOf } from './disk-usage';
import { EcsTaskStats } from './ecs-task-stats';
import { runHook } from './hook';
import { ProcGroupStats } from './proc-group-stats';
import { type AgentSettings, AgentSettingsError, settingsFrom } from './settings';
import { SessionAgent } from './session-agent';
import { containerCredentials, sigv4Signer } from './sigv4-signer';
import { writeStatusFile } from './status-file';
import { type TaskReader, type TaskReading } from './task-reading';
import { Workload, exitCodeOf } from './workload';

/** Time kept back from the stop timeout for the disconnect and the exit. */
const STOP_MARGIN_MS = 1500;

const logger =
  (sessionId: string) =>
  (message: string): void => {
    process.stderr.write(`${new Date().toISOString()} session-agent ${sessionId}: ${message}\n`);
  };

const readerOf = (settings: AgentSettings, workload: Workload | undefined): TaskReader => {
  const { measurement, diskPath } = settings;
  const disk = (): TaskReading['usage'] => {
    const diskPercent = diskPath === undefined ? undefined : diskPercentOf(diskPath);
    return diskPercent === undefined ? {} : { diskPercent };
  };
  if (measurement.kind === 'ecs') {
    const stats = new EcsTaskStats(measurement.metadataUri);
    return { read: async () => {
      const reading = await stats.read();
      return { ...reading, usage: { ...reading.usage, ...disk() } };
    } };
  }
  const group = new ProcGroupStats({ procRoot: measurement.procRoot, memberPid: workload?.pid ?? process.pid, excludePids: [process.pid], cpus: measurement.cpus });
  const memory = (): TaskReading['usage'] => {
    const memoryPercent = measurement.memoryMiB === undefined ? undefined : group.memoryPercent(measurement.memoryMiB);
    return memoryPercent === undefined ? {} : { memoryPercent };
  };
  return { read: () => {
    const cpu = group.read();
    return Promise.resolve({ ...(cpu !== undefined && { cpu }), usage: { ...memory(), ...disk() } });
  } };
};

/** Splits `[…options, '--', …command]`; the agent takes no options of its own yet. */
const commandOf = (argv: readonly string[]): string[] | undefined => {
  const dash = argv.indexOf('--');
  const options = dash === -1 ? argv : argv.slice(0, dash);
  if (options.length > 0) throw new AgentSettingsError(`unexpected arguments: ${options.join(' ')} (usage: session-agent [-- <command…>])`);
  if (dash === -1) return undefined;
  const command = argv.slice(dash + 1);
  if (command.length === 0) throw new AgentSettingsError('no command after -- (usage: session-agent [-- <command…>])');
  return command;
};

export const main = async (argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> => {
  let settings: AgentSettings;
  let command: string[] | undefined;
  try {
    settings = settingsFrom(env);
    command = commandOf(argv);
  } catch (error) {
    if (!(error instanceof AgentSettingsError)) throw error;
    process.stderr.write(`session-agent: ${error.message}\n`);
    return 2;
  }
  const log = logger(settings.sessionId);
  const workload = command === undefined ? undefined : new Workload(command);
  const signer = settings.credential.kind === 'task-role' ? sigv4Signer(settings.credential.region, containerCredentials()) : undefined;
  const client = new HttpActivityClient({
    apiUrl: settings.apiUrl,
    sessionId: settings.sessionId,
    ...(settings.credential.kind === 'token' && { activityToken: settings.credential.token }),
    ...(signer !== undefined && { signer }),
  });
  const { statusFile, hookCommand } = settings;
  let stopBudgetMs = (): number => settings.stopTimeoutSeconds * 1000;
  const agent = new SessionAgent({
    client,
    reader: readerOf(settings, workload),
    connectionId: `agent-${randomBytes(6).toString('hex')}`,
    pingSeconds: settings.pingSeconds,
    log,
    ...(statusFile !== undefined && {
      onStatus: (status) => {
        try {
          writeStatusFile(statusFile, status);
        } catch (error) {
          log(`cannot write ${statusFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
        }
      },
    }),
    ...(hookCommand !== undefined && {
      hook: async (event) => {
        // Before a stop the hook shares the stop timeout with the workload: a third of it at most.
        const budget = event === 'stop' ? Math.min(settings.hookTimeoutSeconds * 1000, stopBudgetMs() / 3) : settings.hookTimeoutSeconds * 1000;
        const result = await runHook(hookCommand, event, budget, env);
        log(`hook (${event}) ${result.timedOut ? `killed after ${Math.round(budget)} ms` : result.error ?? `exited ${result.code ?? '?'}`}`);
      },
    }),
  });
  stopBudgetMs = () => (agent.session?.timeouts.stopTimeoutSeconds ?? settings.stopTimeoutSeconds) * 1000;
  log(`started${workload === undefined ? '' : ` ${command?.join(' ')} (pid ${workload.pid ?? '?'})`}; reporting to ${settings.apiUrl}`);
  agent.start();

  let stopping: Promise<number> | undefined;
  let stopRequested: (exitCode: Promise<number>) => void = () => undefined;
  const stopped = new Promise<number>((resolveStopped) => {
    stopRequested = resolveStopped;
  });
  const stop = async (signal: NodeJS.Signals): Promise<number> => {
    const startedAt = Date.now();
    log(`${signal} received, stopping`);
    await agent.stop({ stopping: true }).catch((error: unknown) => log(`stop: ${String(error)}`));
    if (workload === undefined) {
      await agent.disconnect();
      return 0;
    }
    workload.signal(signal);
    const left = Math.max(0, stopBudgetMs() - STOP_MARGIN_MS - (Date.now() - startedAt));
    const timer = setTimeout(() => {
      log(`the workload still runs ${Math.round((Date.now() - startedAt) / 1000)}s after ${signal}: SIGKILL`);
      workload.signal('SIGKILL');
    }, left);
    const exit = await workload.exited;
    clearTimeout(timer);
    await agent.disconnect();
    return exitCodeOf(exit);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    // A repeat (or the agent's own copy of a signal it passed to its group) changes nothing.
    process.on(signal, () => {
      if (stopping !== undefined) return;
      stopping = stop(signal);
      stopRequested(stopping);
    });
  }

  // A sidecar reports until signalled.
  if (workload === undefined) return stopped;
  const exit = await workload.exited;
  // Stopped by a signal: the stop waited for the workload and knows the exit code.
  if (stopping !== undefined) return stopping;
  log(`the workload exited (${exit.signal ?? `code ${exit.code ?? '?'}`})`);
  await agent.stop({ stopping: false });
  await agent.disconnect();
  return exitCodeOf(exit);
};
