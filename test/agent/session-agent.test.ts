// The agent's loop with fakes (a scripted API client, a reader, fake timers): what it reports, in
// which order, what reaches the status file and the hook, and how it recovers from a failed report.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ActivityResponse } from '../../contract/wire';
import { type ActivityClient, type AgentReport, type ReportOutcome } from '../../agent/activity-client';
import { type HookEvent } from '../../agent/hook';
import { SessionAgent } from '../../agent/session-agent';
import { type SessionStatus } from '../../agent/status-file';
import { type TaskReading } from '../../agent/task-reading';
import { sessionView } from '../cli/fake-api';

const POLICY = { cpuPercent: 50, windowSeconds: 10, unknownGraceSeconds: 60 };

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-03-10T12:00:00.000Z') });
});

afterEach(() => {
  vi.useRealTimers();
});

const answer = (overrides: Parameters<typeof sessionView>[0] = {}): ActivityResponse => {
  const view = sessionView(overrides);
  return { session: { ...view, timeouts: { ...view.timeouts, busy: POLICY, warnBeforeSeconds: undefined } }, nextReportInSeconds: 1 };
};

const harness = (outcomes: (report: AgentReport) => ReportOutcome, readings: () => TaskReading) => {
  const sent: AgentReport[] = [];
  const statuses: SessionStatus[] = [];
  const hooks: HookEvent[] = [];
  const client: ActivityClient = {
    send: (report) => {
      sent.push(report);
      return Promise.resolve(outcomes(report));
    },
  };
  const agent = new SessionAgent({
    client,
    reader: { read: () => Promise.resolve(readings()) },
    connectionId: 'agent-1',
    pingSeconds: 30,
    log: () => undefined,
    onStatus: (status) => statuses.push(status),
    hook: (event) => {
      hooks.push(event);
      return Promise.resolve();
    },
  });
  return { agent, sent, statuses, hooks };
};

describe('the session agent loop', () => {
  it('connects, then reports busy or ping once per window with the usage it could read, and disconnects', async () => {
    let cpuSeconds = 0;
    const { agent, sent } = harness(
      () => ({ ok: true, answer: answer() }),
      () => ({ cpu: { cpuSeconds, atMs: Date.now(), cpus: 1 }, usage: { memoryPercent: 12.5 } }),
    );

    agent.start();
    await vi.advanceTimersByTimeAsync(0);
    cpuSeconds = 8; // 80 % of one vCPU over the 10 s window
    await vi.advanceTimersByTimeAsync(10_000);
    await vi.advanceTimersByTimeAsync(10_000); // idle: no CPU since
    await agent.stop({ stopping: false });
    await agent.disconnect();

    expect(sent).toEqual([
      { kind: 'connect', connectionId: 'agent-1', usage: { memoryPercent: 12.5 } },
      { kind: 'busy', connectionId: 'agent-1', usage: { memoryPercent: 12.5 } },
      { kind: 'ping', connectionId: 'agent-1', usage: { memoryPercent: 12.5 } },
      { kind: 'disconnect', connectionId: 'agent-1' },
    ]);
  });

  it('keeps trying to connect after a failure, every pingSeconds, and sends no disconnect for a connection never made', async () => {
    let up = false;
    const { agent, sent } = harness(
      () => (up ? { ok: true, answer: answer() } : { ok: false, reason: 'ECONNREFUSED' }),
      () => ({ usage: {} }),
    );

    agent.start();
    await vi.advanceTimersByTimeAsync(0);
    up = true;
    await vi.advanceTimersByTimeAsync(30_000);
    await agent.stop({ stopping: false });
    await agent.disconnect();

    expect(sent.map((r) => r.kind)).toEqual(['connect', 'connect', 'disconnect']);
    const never = harness(() => ({ ok: false, reason: 'ECONNREFUSED' }), () => ({ usage: {} }));
    never.agent.start();
    await vi.advanceTimersByTimeAsync(0);
    await never.agent.stop({ stopping: false });
    await never.agent.disconnect();
    expect(never.sent.map((r) => r.kind)).toEqual(['connect']);
  });

  it('writes every answer to the status file, runs the hook once per warned deadline, and on a stop says stopping and runs it again', async () => {
    let warningAt = '2026-03-10T12:01:00.000Z';
    const warned = () => answer({ warning: { at: warningAt, reason: 'idle_timeout', secondsLeft: 30, extendRoute: 'POST /sessions/x/extend' } });
    const { agent, statuses, hooks } = harness(() => ({ ok: true, answer: warned() }), () => ({ usage: {} }));

    agent.start();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(10_000);
    warningAt = '2026-03-10T12:02:00.000Z'; // a new deadline, warned again
    await vi.advanceTimersByTimeAsync(10_000);
    await agent.stop({ stopping: true });

    expect(hooks).toEqual(['warning', 'warning', 'stop']);
    expect(statuses).toHaveLength(4);
    expect(statuses[0]).toMatchObject({ status: 'running', warning: { at: '2026-03-10T12:01:00.000Z' } });
    expect(statuses.at(-1)).toMatchObject({ status: 'stopping' });
  });
});
