// A webhook for end-to-end tests of notifications: it keeps every JSON body it is POSTed (parsed,
// and as sent) and answers 204.
import { createServer } from 'node:http';
import { type Listening, listenOnFreePort } from './listen';

export interface WebhookReceiver extends Listening {
  /** Every request so far, in the order they arrived. */
  received: { body: Record<string, unknown>; raw: string }[];
}

export const startWebhookReceiver = async (): Promise<WebhookReceiver> => {
  const received: WebhookReceiver['received'] = [];
  const listening = await listenOnFreePort(
    createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        received.push({ raw, body: JSON.parse(raw) as Record<string, unknown> });
        res.writeHead(204).end();
      });
    }),
  );
  return { ...listening, received };
};
