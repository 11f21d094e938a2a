// The HTTP side shared by the local AWS fakes: a server on 127.0.0.1 (free port) that parses JSON
// bodies, hands each request to the fake, and answers in the service's wire protocol: AWS JSON 1.0/
// 1.1 (one POST per call, the operation in X-Amz-Target, errors as `__type`) or REST-JSON (the
// operation in method and path, errors in the `x-amzn-errortype` header). Point an SDK v3 client at
// one with AWS_ENDPOINT_URL_<SERVICE_ID> (or `endpoint`); signatures are not checked.
import { type IncomingHttpHeaders, type IncomingMessage, createServer } from 'node:http';
import { type AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
}

export interface FakeAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A service error, answered in the fake's protocol. */
export class AwsServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

export interface HttpFake {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** Closes the server and every open connection. Safe to call twice. */
  close(): Promise<void>;
}

const readBody = async (request: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
};

export const startHttpFake = async (
  handle: (request: FakeRequest) => FakeAnswer | Promise<FakeAnswer>,
  onError: (error: AwsServiceError) => FakeAnswer,
): Promise<HttpFake> => {
  const server = createServer((request, response) => {
    void (async () => {
      let answer: FakeAnswer;
      try {
        const url = new URL(request.url ?? '/', 'http://fake');
        answer = await handle({ method: request.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: request.headers, body: await readBody(request) });
      } catch (error) {
        answer = onError(error instanceof AwsServiceError ? error : new AwsServiceError(500, 'InternalFailure', String(error)));
      }
      const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
      response.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...answer.headers });
      response.end(body);
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
    close: () =>
      (closed ??= new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      })),
  };
};

export interface RecordedCall {
  operation: string;
  input: Record<string, unknown>;
}

/**
 * An AWS JSON 1.0/1.1 service: `X-Amz-Target: <targetPrefix>.<Operation>`. Unknown operations are
 * answered as the service would (UnknownOperationException) and recorded, so a test sees them.
 */
export const startJsonRpcFake = (
  targetPrefix: string,
  version: '1.0' | '1.1',
  operations: Record<string, (input: Record<string, unknown>) => unknown>,
  calls: RecordedCall[],
): Promise<HttpFake> =>
  startHttpFake(
    ({ method, headers, body }) => {
      const target = String(headers['x-amz-target'] ?? '');
      const operation = target.startsWith(`${targetPrefix}.`) ? target.slice(targetPrefix.length + 1) : target;
      const input = (body ?? {}) as Record<string, unknown>;
      calls.push({ operation, input });
      const run = method === 'POST' ? operations[operation] : undefined;
      if (run === undefined) throw new AwsServiceError(400, 'UnknownOperationException', `${target || 'no X-Amz-Target'} is not an operation of this fake`);
      return { status: 200, body: run(input) ?? {}, headers: { 'content-type': `application/x-amz-json-${version}` } };
    },
    (error) => ({
      status: error.status,
      body: { __type: error.code, message: error.message },
      headers: { 'content-type': `application/x-amz-json-${version}` },
    }),
  );

/** Answers every request with an error and records it: the endpoint for services that have no fake. */
export const startUnexpectedServiceFake = async (): Promise<HttpFake & { requests: FakeRequest[] }> => {
  const requests: FakeRequest[] = [];
  const fake = await startHttpFake(
    (request) => {
      requests.push(request);
      throw new AwsServiceError(501, 'NotImplemented', `no fake serves ${request.method} ${request.path} (${String(request.headers['x-amz-target'] ?? request.headers['host'])})`);
    },
    (error) => ({ status: error.status, body: { __type: error.code, message: error.message }, headers: { 'x-amzn-errortype': error.code } }),
  );
  return { ...fake, requests };
};
