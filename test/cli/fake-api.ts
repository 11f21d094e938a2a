// A tiny stand-in for the session API (README "HTTP API") on a free port, and the sessions it
// shows, so the CLI tests exercise real HTTP without the whole stack (sessionctl itself runs
// in-process through test/support/run-cli).
import { type IncomingHttpHeaders, createServer } from 'node:http';
import { type SessionView } from '../../contract/wire';
import { listenOnFreePort } from '../support/listen';
import { SESSION_ID } from '../support/session-fixture';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeApi {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export const startFakeApi = async (answer: (request: RecordedRequest) => Reply): Promise<FakeApi> => {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
      };
      requests.push(recorded);
      const reply = answer(recorded);
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  const { url, close } = await listenOnFreePort(server);
  return { url, requests, close };
};

/** A URL on which nothing listens: a port that was free a moment ago. */
export const closedPortUrl = async (): Promise<string> => {
  const { url, close } = await listenOnFreePort(createServer());
  await close();
  return url;
};

export const OTHER_ID = '9b2d7e44-1a5c-4e8f-b0d3-6c7a8e9f0a12';

/** A session as the API shows it: running, idle deadline 14m 30s after T0. */
export const sessionView = (overrides: Partial<SessionView> = {}): SessionView => ({
  id: SESSION_ID,
  ownerId: 'dev',
  profile: 'demo',
  status: 'running',
  createdAt: '2026-03-10T11:50:00.000Z',
  startedAt: '2026-03-10T11:50:02.000Z',
  lastActivityAt: '2026-03-10T11:59:30.000Z',
  connections: 1,
  expiresAt: '2026-03-10T12:14:30.000Z',
  expiryReason: 'idle_timeout',
  maxExpiresAt: '2026-03-10T19:50:00.000Z',
  timeouts: {
    idleTimeoutSeconds: 900,
    maxLifetimeSeconds: 28_800,
    disconnectGraceSeconds: 600,
    warnBeforeSeconds: 60,
    activeWithinSeconds: 120,
    idleWithinSeconds: 600,
    stopTimeoutSeconds: 10,
    resourceWarningPercent: 90,
  },
  metadata: {},
  activityLevel: 'active',
  ...overrides,
});

export const errorReply = (status: number, code: string, message: string): Reply => ({
  status,
  body: { error: { code, message } },
  headers: { 'x-request-id': 'req-123' },
});
