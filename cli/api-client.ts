// A fetch-based client of the HTTP contract (README "HTTP API"). Callers get parsed bodies and two
// named errors instead of status codes and socket errors: ApiError (the API answered with an error)
// and ApiUnreachableError (no answer at all), which the CLI turns into exit codes.
import {
  type ActivityReport,
  type ActivityResponse,
  type ErrorBody,
  type SessionStats,
  type SessionView,
  type SweepReport,
  type WorkspaceList,
  type WorkspaceView,
} from '../contract/wire';

export type ListStatus = 'live' | 'ended' | 'all';
export const LIST_STATUSES: readonly ListStatus[] = ['live', 'ended', 'all'];

export interface CreateSessionRequest {
  profile: string;
  idleTimeoutSeconds?: number;
  maxLifetimeSeconds?: number;
  metadata?: Record<string, string>;
}
/** `activityToken` is absent on an Idempotency-Key replay (the token is shown once). */
export interface CreateSessionResponse {
  session: SessionView;
  activityToken?: string;
}
export interface SessionResponse {
  session: SessionView;
}
export interface ListSessionsResponse {
  sessions: SessionView[];
  nextToken?: string;
}
/** A parsed answer plus its status: create (201 vs 200 replay) and end (202 vs 200) differ only by it. */
export interface ApiResult<T> {
  status: number;
  body: T;
}

/** The API answered with an error body (or with something outside the contract). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** No HTTP answer: connection refused, DNS failure, reset, or no answer within the timeout. */
export class ApiUnreachableError extends Error {
  constructor(
    readonly url: string,
    /** A short cause: a socket error code such as ECONNREFUSED, or `timeout`. */
    readonly reason: string,
  ) {
    super(`cannot reach the API at ${url} (${reason})`);
    this.name = 'ApiUnreachableError';
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  /** Bearer JWT; absent for calls authenticated otherwise (the activity token) or anonymous (health). */
  token?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export class ApiClient {
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? fetch;
  }

  health(): Promise<ApiResult<{ status: string }>> {
    return this.request('GET', '/health');
  }

  createSession(body: CreateSessionRequest, idempotencyKey?: string): Promise<ApiResult<CreateSessionResponse>> {
    return this.request('POST', '/sessions', {
      body,
      ...(idempotencyKey !== undefined && { headers: { 'idempotency-key': idempotencyKey } }),
    });
  }

  listSessions(query: { status?: ListStatus; limit?: number; nextToken?: string }): Promise<ApiResult<ListSessionsResponse>> {
    return this.request('GET', '/sessions', { query });
  }

  getSession(id: string): Promise<ApiResult<SessionResponse>> {
    return this.request('GET', `/sessions/${encodeURIComponent(id)}`);
  }

  /** With `sessionToken`, authenticates as the session itself (X-Session-Token) instead of the owner. */
  recordHeartbeat(id: string, report: ActivityReport, sessionToken?: string): Promise<ApiResult<ActivityResponse>> {
    return this.request('POST', `/sessions/${encodeURIComponent(id)}/activity`, {
      body: report,
      ...(sessionToken !== undefined && { headers: { 'x-session-token': sessionToken } }),
    });
  }

  extendSession(id: string, seconds: number): Promise<ApiResult<SessionResponse>> {
    return this.request('POST', `/sessions/${encodeURIComponent(id)}/extend`, { body: { seconds } });
  }

  endSession(id: string): Promise<ApiResult<SessionResponse>> {
    return this.request('DELETE', `/sessions/${encodeURIComponent(id)}`);
  }

  getStats(): Promise<ApiResult<SessionStats>> {
    return this.request('GET', '/stats');
  }

  sweep(dryRun: boolean, timeoutMs?: number): Promise<ApiResult<SweepReport>> {
    return this.request('POST', '/sweep', { body: { dryRun }, ...(timeoutMs !== undefined && { timeoutMs }) });
  }

  /** The caller's workspaces, or (admins) another owner's. */
  listWorkspaces(ownerId?: string): Promise<ApiResult<WorkspaceList>> {
    return this.request('GET', '/workspaces', { query: { ownerId } });
  }

  deleteWorkspace(profile: string): Promise<ApiResult<{ workspace: WorkspaceView }>> {
    return this.request('DELETE', `/workspaces/${encodeURIComponent(profile)}`);
  }

  private async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResult<T>> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.options.token !== undefined && headers['x-session-token'] === undefined) {
      headers.authorization = `Bearer ${this.options.token}`;
    }
    if (options.body !== undefined) headers['content-type'] = 'application/json';

    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let response: Response;
    let text: string;
    try {
      response = await this.fetchFn(url, {
        method,
        headers,
        ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new ApiUnreachableError(this.baseUrl, reasonOf(error));
    }

    const requestId = response.headers.get('x-request-id') ?? response.headers.get('apigw-requestid') ?? undefined;
    const parsed = parseJson(text);
    if (response.ok && parsed.ok) return { status: response.status, body: parsed.value as T };
    if (response.ok) {
      throw new ApiError(response.status, 'bad_response', `the API answered ${response.status} without a JSON body`, requestId);
    }
    const error = errorBodyOf(parsed.ok ? parsed.value : undefined);
    throw new ApiError(
      response.status,
      error?.code ?? `http_${response.status}`,
      error?.message ?? (response.statusText || 'no error details'),
      requestId,
    );
  }
}

const parseJson = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
};

/** The contract's error envelope, read defensively: a proxy or a crash may answer something else. */
const errorBodyOf = (value: unknown): ErrorBody['error'] | undefined => {
  if (typeof value !== 'object' || value === null || !('error' in value)) return undefined;
  const error = value.error;
  if (typeof error !== 'object' || error === null) return undefined;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const message = 'message' in error && typeof error.message === 'string' ? error.message : undefined;
  if (code === undefined && message === undefined) return undefined;
  return { code: code ?? 'error', message: message ?? code ?? 'error' };
};

/** A short category of why fetch failed: undici puts the socket error code on `cause`. */
const reasonOf = (error: unknown): string => {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timeout';
  if (error instanceof Error) {
    const cause: unknown = error.cause;
    if (typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string') return cause.code;
    // e.g. fetch's "bad port" for ports browsers refuse; short messages only, never a dump.
    if (cause instanceof Error && cause.message.length > 0 && cause.message.length <= 60) return cause.message;
    if (error.name === 'TimeoutError') return 'timeout';
  }
  return 'network error';
};
