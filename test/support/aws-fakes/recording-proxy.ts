// A recording pass-through for an AWS JSON service that already has a local implementation
// (DynamoDB: dynalite): every request is recorded as `{operation, input}` (the operation from
// X-Amz-Target, the input from the JSON body), like the other fakes record theirs, and then
// forwarded unchanged, with the answer passed back unchanged. Binds 127.0.0.1 on a free port.
import { type IncomingMessage, createServer, request as httpRequest } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type HttpFake, type RecordedCall } from './http-fake';

export interface RecordingProxy extends HttpFake {
  calls: RecordedCall[];
}

const bodyOf = async (message: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const inputOf = (body: Buffer): Record<string, unknown> => {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
};

export const startRecordingProxy = async (upstream: string): Promise<RecordingProxy> => {
  const calls: RecordedCall[] = [];
  const target = new URL(upstream);
  const server = createServer((incoming, outgoing) => {
    void (async () => {
      const body = await bodyOf(incoming);
      const operation = String(incoming.headers['x-amz-target'] ?? '').replace(/^[^.]*\./, '');
      calls.push({ operation, input: inputOf(body) });
      const forwarded = httpRequest(
        { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: target.host } },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      forwarded.once('error', (error) => {
        outgoing.writeHead(502, { 'content-type': 'application/json' });
        outgoing.end(JSON.stringify({ __type: 'ProxyError', message: String(error) }));
      });
      forwarded.end(body);
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closed: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      (closed ??= new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      })),
  };
};
