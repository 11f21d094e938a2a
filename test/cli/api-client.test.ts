// The API client's answers to what a real network does: no answer in time, and answers outside the
// contract (no JSON, no error body), each as a named error the CLI can map to an exit code.
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient, ApiError, ApiUnreachableError } from '../../cli/api-client';
import { listenOnFreePort } from '../support/listen';
import { SESSION_ID } from '../support/session-fixture';

let closeServer: (() => Promise<void>) | undefined;

afterEach(async () => {
  await closeServer?.();
  closeServer = undefined;
});

/** A server answering every request with `status` and raw `text`; `hang` never answers. */
const serve = async (reply: { status: number; text: string } | 'hang'): Promise<string> => {
  const server = createServer((_req, res) => {
    if (reply === 'hang') return;
    res.writeHead(reply.status, { 'content-type': 'text/plain' });
    res.end(reply.text);
  });
  const { url, close } = await listenOnFreePort(server);
  closeServer = close;
  return url;
};

describe('ApiClient', () => {
  it('gives up after its timeout with ApiUnreachableError("timeout")', async () => {
    const client = new ApiClient({ baseUrl: await serve('hang'), token: 't', timeoutMs: 200 });

    const error = await client.getSession(SESSION_ID).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiUnreachableError);
    expect((error as ApiUnreachableError).reason).toBe('timeout');
  });

  it('reports a 2xx answer without JSON as a bad response', async () => {
    const client = new ApiClient({ baseUrl: await serve({ status: 200, text: '<html>' }), token: 't' });

    const error = await client.getStats().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 200, code: 'bad_response' });
  });

  it('keeps the status of an error answer without an error body (e.g. a proxy 502)', async () => {
    const client = new ApiClient({ baseUrl: await serve({ status: 502, text: 'Bad Gateway' }), token: 't' });

    const error = await client.listSessions({}).catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 502, code: 'http_502' });
  });

  it('keeps a base path (an API Gateway stage) and encodes the id', async () => {
    const requested: string[] = [];
    const server = createServer((req, res) => {
      requested.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"session":{}}');
    });
    const { url, close } = await listenOnFreePort(server);
    closeServer = close;
    const client = new ApiClient({ baseUrl: `${url}/prod/`, token: 't' });

    await client.getSession('a/b');

    expect(requested).toEqual(['/prod/sessions/a%2Fb']);
  });
});
