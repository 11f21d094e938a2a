// End to end on the local stack (README "Resource warnings"): activity reports that carry the task's
// `usage` raise one `Session Resource Warning` per crossing of the profile's resourceWarningPercent,
// in events.ndjson and at the configured webhook, with nothing secret; reports that stay above raise
// none, and a drop below re-arms the warning. And a command that allocates past its profile's
// threshold, measured by the session agent the stack runs it under, raises one event and none more
// while it holds the memory; the agent's status file shows the warning.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SessionView } from '../../contract/wire';
import { SLEEPER_PROFILE, type TestStack, bootLocalStack, testConfig } from '../support/local-stack';
import { waitFor } from '../support/wait-for';
import { type WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

/** Holds 300 MiB of touched memory, of the allocator profile's 512: 40 % is crossed at once. */
const ALLOCATOR = ['node', '-e', 'const held = Buffer.alloc(300 * 2 ** 20, 1); setInterval(() => held[0]++, 1000);'];

let env: TestStack;
let webhook: WebhookReceiver;
let statusDir: string;

beforeAll(async () => {
  webhook = await startWebhookReceiver();
  statusDir = mkdtempSync(join(tmpdir(), 'session-status-'));
  const base = testConfig().profiles[SLEEPER_PROFILE];
  env = await bootLocalStack({
    config: testConfig(
      { resourceWarningPercent: 80 },
      {
        notifications: { webhookUrl: `${webhook.url}/hook` },
        profiles: {
          [SLEEPER_PROFILE]: { ...base, resourceWarningPercent: 80 },
          allocator: {
            ...base,
            memoryMiB: 512,
            resourceWarningPercent: 40,
            local: { command: ALLOCATOR, env: { SESSION_AGENT_PING_SECONDS: '1', SESSION_STATUS_FILE: join(statusDir, 'status.json') } },
          },
        },
      },
    ),
  });
});

afterAll(async () => {
  await env?.cleanup();
  await webhook?.close();
  rmSync(statusDir, { recursive: true, force: true });
});

/** The `Session Resource Warning` lines of events.ndjson for one session. */
const warningEvents = (sessionId: string): Record<string, unknown>[] =>
  readFileSync(join(env.dataDir, 'events.ndjson'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { 'detail-type': string; detail: Record<string, unknown> })
    .filter((e) => e['detail-type'] === 'Session Resource Warning' && e.detail['sessionId'] === sessionId)
    .map((e) => e.detail);

describe('local stack: resource warnings from activity reports', () => {
  it('warns once per crossing of the threshold, in the event log and at the webhook, without secrets', async () => {
    const created = await env.api<{ session: SessionView; activityToken: string }>('POST', '/sessions', {
      token: await env.token('busy-user'),
      body: { profile: SLEEPER_PROFILE },
    });
    expect(created.status).toBe(201);
    const { session, activityToken } = created.body;
    const report = async (usage: Record<string, number>) => {
      const answer = await env.api<{ session: SessionView }>('POST', `/sessions/${session.id}/activity`, {
        token: null,
        headers: { 'x-session-token': activityToken },
        body: { kind: 'ping', usage },
      });
      expect(answer.status).toBe(200);
      return answer.body.session;
    };

    const above = await report({ diskPercent: 85, memoryPercent: 10 });
    await report({ diskPercent: 95 });
    await report({ diskPercent: 99, memoryPercent: 12 });

    expect(above.resourceWarnings).toEqual([{ resource: 'disk', percent: 85, since: expect.any(String) as unknown }]);
    const expected = { sessionId: session.id, ownerId: 'busy-user', profile: SLEEPER_PROFILE, resource: 'disk', percent: 85, threshold: 80 };
    expect(warningEvents(session.id)).toEqual([expected]);

    expect((await report({ diskPercent: 40 })).resourceWarnings).toBeUndefined();
    await report({ diskPercent: 81 });

    expect(warningEvents(session.id).map((e) => e['percent'])).toEqual([85, 81]);
    const forSession = () => webhook.received.map((r) => r.body).filter((body) => body['sessionId'] === session.id);
    await waitFor(() => forSession().length >= 2, { timeoutMs: 10_000, what: 'two resource warnings at the webhook' });
    // Each delivery is on its own (best effort, retried): their order at the webhook is not promised.
    expect(forSession()).toHaveLength(2);
    expect(forSession()).toEqual(
      expect.arrayContaining([
        { type: 'Session Resource Warning', ...expected },
        { type: 'Session Resource Warning', ...expected, percent: 81 },
      ]),
    );
    expect(JSON.stringify(forSession())).not.toContain(activityToken);
  });

  it('a command allocating past the threshold produces one event, and no second while it holds the memory', async () => {
    const created = await env.api<{ session: SessionView }>('POST', '/sessions', { token: await env.token('hungry-user'), body: { profile: 'allocator' } });
    expect(created.status).toBe(201);
    const { id } = created.body.session;
    const statusFile = join(statusDir, 'status.json');
    const status = () => JSON.parse(readFileSync(statusFile, 'utf8')) as { sessionId: string; updatedAt: string; resourceWarnings?: { resource: string; percent: number }[] };

    const warned = await waitFor(() => {
      const current = status();
      return current.sessionId === id && current.resourceWarnings !== undefined ? current : undefined;
    }, { timeoutMs: 15_000, intervalMs: 100, what: 'the status file to show the memory warning' });
    expect(warned.resourceWarnings).toEqual([{ resource: 'memory', percent: expect.any(Number) as unknown, since: expect.any(String) as unknown }]);
    expect(warned.resourceWarnings?.[0]?.percent).toBeGreaterThanOrEqual(40);

    // Three more reports of the agent (one a second), all above the threshold.
    const later = new Set<string>();
    await waitFor(() => {
      const current = status();
      if (current.updatedAt > warned.updatedAt && current.resourceWarnings !== undefined) later.add(current.updatedAt);
      return later.size >= 3;
    }, { timeoutMs: 15_000, intervalMs: 100, what: 'three more reports of the agent' });

    expect(warningEvents(id)).toEqual([
      { sessionId: id, ownerId: 'hungry-user', profile: 'allocator', resource: 'memory', percent: warned.resourceWarnings?.[0]?.percent, threshold: 40 },
    ]);
  });
});
