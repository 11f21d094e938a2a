// The local webhook notifier (README "Notifications"): Session Expiring, Session Ended and Session
// Resource Warning reach the webhook as the documented JSON body, a failed attempt is retried, a webhook that never answers
// well is given up on with a log line, and publish() never waits for the webhook.
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookNotifier } from '../../../local/adapters/webhook-notifier';
import { consoleLog } from '../../../local/console-log';
import { type SessionEvent } from '../../../lambdas/ports/event-publisher';
import { type Listening, listenOnFreePort } from '../../support/listen';

interface Receiver extends Listening {
  bodies: Record<string, unknown>[];
  attempts: number;
}

/** A webhook that answers 503 to its first `failFirst` requests, then 204. */
const receiver = async (failFirst: number): Promise<Receiver> => {
  const state = { bodies: [] as Record<string, unknown>[], attempts: 0 };
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      state.attempts++;
      if (state.attempts <= failFirst) {
        res.writeHead(503).end();
        return;
      }
      state.bodies.push(JSON.parse(text) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  const listening = await listenOnFreePort(server);
  return {
    ...listening,
    bodies: state.bodies,
    get attempts() {
      return state.attempts;
    },
  };
};

const expiring: SessionEvent = { type: 'Session Expiring', detail: { sessionId: 's-1', ownerId: 'alice', expiresAt: '2026-12-01T12:00:00.000Z', reason: 'idle_timeout' } };
const ended: SessionEvent = { type: 'Session Ended', detail: { sessionId: 's-1', ownerId: 'alice', reason: 'idle_timeout', endedAt: '2026-12-01T12:00:01.000Z' } };
const created: SessionEvent = { type: 'Session Created', detail: { sessionId: 's-1', ownerId: 'alice', profile: 'demo', expiresAt: '2026-12-01T12:00:00.000Z' } };

let open: Receiver | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

const logged = () => {
  const lines: string[] = [];
  return { lines, log: consoleLog('debug', (line) => lines.push(line)) };
};

describe('WebhookNotifier', () => {
  it('delivers Session Expiring and Session Ended (not Session Created), retrying a failed attempt', async () => {
    open = await receiver(1);
    const { lines, log } = logged();
    const notifier = new WebhookNotifier(`${open.url}/hook`, log, { backoffMs: 10 });

    await notifier.publish([created, expiring]);
    await notifier.drain();
    await notifier.publish([ended]);
    await notifier.drain();

    expect(open.bodies).toEqual([
      { type: 'Session Expiring', sessionId: 's-1', ownerId: 'alice', reason: 'idle_timeout', deadline: '2026-12-01T12:00:00.000Z', extendRoute: 'POST /sessions/s-1/extend' },
      { type: 'Session Ended', sessionId: 's-1', ownerId: 'alice', reason: 'idle_timeout', deadline: '2026-12-01T12:00:01.000Z', extendRoute: 'POST /sessions/s-1/extend' },
    ]);
    expect(open.attempts).toBe(3);
    expect(lines.filter((l) => l.includes('notification delivered'))).toHaveLength(2);
    expect(lines.find((l) => l.includes('type="Session Expiring"'))).toMatch(/attempt=2/);
  });

  it('delivers Workspace Expiring with the route that deletes the workspace now', async () => {
    open = await receiver(0);
    const notifier = new WebhookNotifier(open.url, logged().log);

    await notifier.publish([
      { type: 'Workspace Expiring', detail: { ownerId: 'alice', profile: 'studio', deleteAt: '2026-12-31T12:00:00.000Z', lastUsedAt: '2026-12-01T12:00:00.000Z' } },
    ]);
    await notifier.drain();

    expect(open.bodies).toEqual([
      { type: 'Workspace Expiring', ownerId: 'alice', profile: 'studio', reason: 'retention', deadline: '2026-12-31T12:00:00.000Z', deleteRoute: 'DELETE /workspaces/studio' },
    ]);
  });

  it('delivers Session Resource Warning with which resource, how full and the threshold', async () => {
    open = await receiver(0);
    const { log } = logged();
    const notifier = new WebhookNotifier(open.url, log);
    const warning: SessionEvent = {
      type: 'Session Resource Warning',
      detail: { sessionId: 's-1', ownerId: 'alice', profile: 'demo', resource: 'disk', percent: 91.5, threshold: 90 },
    };

    await notifier.publish([warning]);
    await notifier.drain();

    expect(open.bodies).toEqual([{ type: 'Session Resource Warning', sessionId: 's-1', ownerId: 'alice', profile: 'demo', resource: 'disk', percent: 91.5, threshold: 90 }]);
  });

  it('gives up after its attempts and logs it, without failing publish', async () => {
    open = await receiver(100);
    const { lines, log } = logged();
    const notifier = new WebhookNotifier(open.url, log, { attempts: 3, backoffMs: 5 });

    await expect(notifier.publish([expiring])).resolves.toBeUndefined();
    await notifier.drain();

    expect(open.attempts).toBe(3);
    expect(lines.find((l) => l.includes('notification not delivered'))).toMatch(/attempts=3 .*error="HTTP 503"/);
  });

  it('returns from publish before the webhook answers', async () => {
    let answer: (() => void) | undefined;
    const server = createServer((_req, res) => {
      answer = () => res.writeHead(204).end();
    });
    const listening = await listenOnFreePort(server);
    const { log } = logged();
    const notifier = new WebhookNotifier(listening.url, log);

    await notifier.publish([expiring]);

    expect(answer).toBeUndefined();
    await expect.poll(() => answer, { timeout: 2000 }).toBeDefined();
    answer?.();
    await notifier.drain();
    await listening.close();
  });
});
