// The session agent's loop (README "The session agent"): connect under its own connection id,
// then one report per busy window (busy or ping, with the task's memory and disk use), each answer
// written to the status file and the first warning of each deadline handed to the hook; at the end
// a disconnect. One request at a time, so a slow API never piles reports up; a failed report is
// retried at the next one.
import { type ActivityResponse, type SessionView } from '../contract/wire';
import { type ActivityClient, type AgentReport } from './activity-client';
import { type BusyState, baselineOf, decideBusy } from './busy-decision';
import { type HookEvent } from './hook';
import { nextReportWaitSeconds } from './report-timing';
import { type SessionStatus, statusOf } from './status-file';
import { type TaskReader } from './task-reading';

export interface SessionAgentDeps {
  client: ActivityClient;
  reader: TaskReader;
  connectionId: string;
  /** The report interval without a busy policy (and the retry interval after a failure). */
  pingSeconds: number;
  log: (message: string) => void;
  /** Receives every status worth writing (the status file, when configured). */
  onStatus?: (status: SessionStatus) => void;
  /** Runs the profile's hook, when it has one; resolves when it is done or killed. */
  hook?: (event: HookEvent) => Promise<void>;
  now?: () => number;
}

const REQUEST_TIMEOUT_MS = 10_000;
/** How long a stop waits for a report in flight: the stop timeout is for the workload. */
const IN_FLIGHT_WAIT_MS = 1000;
/** How long the goodbye `disconnect` may delay the exit. */
const DISCONNECT_BUDGET_MS = 1000;


export class SessionAgent {
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private inFlight?: Promise<void>;
  private connected = false;
  private busyState: BusyState = {};
  private last?: ActivityResponse;
  /** The deadline (`warning.at`) whose warning went to the hook already. */
  private warnedFor?: string;
  private hookRunning?: Promise<void>;

  constructor(private readonly deps: SessionAgentDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The session as the last answer showed it. */
  get session(): SessionView | undefined {
    return this.last?.session;
  }

  start(): void {
    this.schedule(0);
  }

  /**
   * Stops reporting (waits for a report in flight); when the task is being stopped, writes the
   * status as `stopping` and runs the hook's `stop`.
   */
  async stop(options: { stopping: boolean }): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.inFlight !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.inFlight, new Promise((resolveWait) => (timer = setTimeout(resolveWait, IN_FLIGHT_WAIT_MS)))]);
      clearTimeout(timer);
    }
    if (!options.stopping) return;
    const session = this.session;
    if (session !== undefined) this.deps.onStatus?.({ ...statusOf(session, this.now()), status: 'stopping' });
    await this.runHook('stop');
  }

  /** The goodbye: closes the agent's connection, if a connect was answered. */
  async disconnect(): Promise<void> {
    if (this.connected) {
      const outcome = await this.deps.client.send({ kind: 'disconnect', connectionId: this.deps.connectionId }, DISCONNECT_BUDGET_MS);
      this.deps.log(outcome.ok ? 'disconnect sent' : `disconnect failed (${outcome.reason})`);
    }
  }

  /**
   * Runs the hook for `event`. A warning's waits for a hook still running (one at a time); the
   * stop's runs at once, even beside a warning's that is still going, so that one never eats into
   * the stop timeout.
   */
  private async runHook(event: HookEvent): Promise<void> {
    if (this.deps.hook === undefined) return;
    if (event === 'warning') await this.hookRunning;
    const run = this.deps.hook(event);
    this.hookRunning = run;
    await run;
  }

  private schedule(seconds: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.tick().finally(() => {
        this.inFlight = undefined;
      });
    }, seconds * 1000);
  }

  private async tick(): Promise<void> {
    const report = await this.nextReport();
    const outcome = await this.deps.client.send(report, REQUEST_TIMEOUT_MS);
    // A stop came meanwhile: its status (`stopping`) stands, and nothing more is scheduled.
    if (this.stopped) {
      if (outcome.ok) this.connected = true;
      return;
    }
    if (!outcome.ok) {
      this.deps.log(`${report.kind} failed (${outcome.reason}); retrying in ${this.deps.pingSeconds}s`);
      this.schedule(this.deps.pingSeconds);
      return;
    }
    if (!this.connected) this.deps.log(`connected as ${this.deps.connectionId}`);
    this.connected = true;
    this.last = outcome.answer;
    this.deps.onStatus?.(statusOf(outcome.answer.session, this.now()));
    this.noticeWarning(outcome.answer.session);
    const policy = outcome.answer.session.timeouts.busy;
    this.schedule(
      nextReportWaitSeconds({ session: outcome.answer.session, nextReportInSeconds: outcome.answer.nextReportInSeconds, policy, pingSeconds: this.deps.pingSeconds }, this.now()),
    );
  }

  /** `connect` until one is answered; then busy or ping from a fresh reading. */
  private async nextReport(): Promise<AgentReport> {
    const reading = await this.deps.reader.read();
    const usage = Object.keys(reading.usage).length > 0 ? { usage: reading.usage } : {};
    if (!this.connected) {
      // The first reading is the baseline the first measurement starts from.
      this.busyState = baselineOf(reading.cpu, this.now());
      return { kind: 'connect', connectionId: this.deps.connectionId, ...usage };
    }
    const session = this.session;
    const decision = decideBusy(session?.timeouts.busy, this.busyState, reading.cpu, this.now());
    this.busyState = decision.state;
    return { kind: decision.kind, connectionId: this.deps.connectionId, ...usage };
  }

  private noticeWarning(session: SessionView): void {
    const warning = session.warning;
    if (warning === undefined || warning.at === this.warnedFor) return;
    this.warnedFor = warning.at;
    this.deps.log(`warning: session ends at ${warning.at} (${warning.reason}, in ${warning.secondsLeft}s); to keep it: ${warning.extendRoute}`);
    // Not awaited: reporting goes on while the hook runs.
    void this.runHook('warning');
  }
}
