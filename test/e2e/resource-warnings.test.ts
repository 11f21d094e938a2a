// End to end on the local stack (README "Resource warnings"): activity reports that carry the task's
// `usage` raise one `Session Resource Warning` per crossing of the profile's resourceWarningPercent,
// in events.ndjson and at the configured webhook, with nothing secret; reports that stay above raise
// none, and a drop below re-arms the warning.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SessionView } from '../../contract/wire';
import { SLEEPER_PROFILE, type TestStack, bootLocalStack, testConfig } from '../support/local-stack';
import { waitFor } from '../support/wait-for';
import { type WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

let env: TestStack;
let webhook: WebhookReceiver;

beforeAll(async () => {
  webhook = await startWebhookReceiver();
  env = await bootLocalStack({ config: testConfig({ resourceWarningPercent: 80 }, { notifications: { webhookUrl: `${webhook.url}/hook` } }) });
});

afterAll(async () => {
  await env?.cleanup();
  await webhook?.close();
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

    const above = await report({ memoryPercent: 85, diskPercent: 10 });
    await report({ memoryPercent: 95 });
    await report({ memoryPercent: 99, diskPercent: 12 });

    expect(above.resourceWarnings).toEqual([{ resource: 'memory', percent: 85, since: expect.any(String) as unknown }]);
    const expected = { sessionId: session.id, ownerId: 'busy-user', profile: SLEEPER_PROFILE, resource: 'memory', percent: 85, threshold: 80 };
    expect(warningEvents(session.id)).toEqual([expected]);

    expect((await report({ memoryPercent: 40 })).resourceWarnings).toBeUndefined();
    await report({ memoryPercent: 81 });

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
});
