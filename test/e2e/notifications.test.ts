// End to end on the local stack (README "Notifications"): with `notifications.webhookUrl` set, a
// webhook started by the test receives Session Expiring and then Session Ended for a session that
// goes idle, with the documented fields and nothing secret (no activity token, no hash).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SessionView } from '../../contract/wire';
import { SLEEPER_PROFILE, type TestStack, bootLocalStack, testConfig } from '../support/local-stack';
import { waitFor } from '../support/wait-for';
import { type WebhookReceiver, startWebhookReceiver } from '../support/webhook-receiver';

let env: TestStack;
let webhook: WebhookReceiver;

beforeAll(async () => {
  webhook = await startWebhookReceiver();
  env = await bootLocalStack({ config: testConfig({ warnBeforeSeconds: 1 }, { notifications: { webhookUrl: `${webhook.url}/hook` } }) });
});

afterAll(async () => {
  await env?.cleanup();
  await webhook?.close();
});

describe('local stack: notifications', () => {
  it('POSTs Session Expiring then Session Ended for an idle session to the webhook, without secrets', async () => {
    const { status, body } = await env.api<{ session: SessionView; activityToken?: string }>('POST', '/sessions', {
      token: await env.token('notified-user'),
      body: { profile: SLEEPER_PROFILE, idleTimeoutSeconds: 3 },
    });
    expect(status).toBe(201);
    const { session, activityToken } = body;
    expect(activityToken).toEqual(expect.any(String));

    const forSession = () => webhook.received.filter((r) => r.body['sessionId'] === session.id);
    await waitFor(() => (forSession().length >= 2 ? true : undefined), { timeoutMs: 10_000, intervalMs: 100, what: 'two notifications' });

    const [expiring, ended] = forSession().map((r) => r.body);
    expect(expiring).toEqual({
      type: 'Session Expiring',
      sessionId: session.id,
      ownerId: 'notified-user',
      reason: 'idle_timeout',
      deadline: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      extendRoute: `POST /sessions/${session.id}/extend`,
    });
    expect(ended).toMatchObject({ type: 'Session Ended', sessionId: session.id, ownerId: 'notified-user', reason: 'idle_timeout' });
    for (const { raw, body: sent } of forSession()) {
      expect(Object.keys(sent).filter((key) => /token|hash|secret|key/i.test(key))).toEqual([]);
      expect(raw).not.toContain(activityToken);
    }
    expect(env.logs.some((line) => line.includes('notification delivered') && line.includes(session.id))).toBe(true);
  });
});
