// How the agent reports (README "How a task authenticates"): locally with the session's activity
// token on `POST /sessions/{id}/activity`; on AWS signed with the task role's credentials on
// `POST /sessions/{id}/task-activity`. Either way one JSON body in, the activity answer out.
import { type ActivityReport, type ActivityResponse } from '../contract/wire';

/** What the agent sends: it always names its own connection, and never interacts. */
export type AgentReport = ActivityReport & { kind: 'connect' | 'disconnect' | 'ping' | 'busy'; connectionId: string };

/** A 2xx answer, or why there was none (a status code, or a network error's code). */
export type ReportOutcome = { ok: true; answer: ActivityResponse } | { ok: false; status?: number; reason: string };

export interface ActivityClient {
  /** Never throws. */
  send(report: AgentReport, timeoutMs: number): Promise<ReportOutcome>;
}

/** Signs a request (SigV4 on AWS); the token client needs no signing. */
export type RequestSigner = (request: { url: URL; body: string; headers: Record<string, string> }) => Promise<Record<string, string>>;

export interface HttpActivityClientOptions {
  apiUrl: string;
  sessionId: string;
  /** The local stack's credential: sent as X-Session-Token on the activity route. */
  activityToken?: string;
  /** On AWS: signs each request for the task route. */
  signer?: RequestSigner;
}

const errorCodeOf = (text: string): string => {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : '';
  } catch {
    return '';
  }
};

const causeCodeOf = (error: unknown): string => {
  if (!(error instanceof Error)) return 'error';
  const cause = (error as Error & { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : error.name;
};

export class HttpActivityClient implements ActivityClient {
  private readonly url: URL;

  constructor(private readonly options: HttpActivityClientOptions) {
    const route = options.signer !== undefined ? 'task-activity' : 'activity';
    this.url = new URL(`${options.apiUrl.replace(/\/+$/, '')}/sessions/${encodeURIComponent(options.sessionId)}/${route}`);
  }

  async send(report: AgentReport, timeoutMs: number): Promise<ReportOutcome> {
    const body = JSON.stringify(report);
    try {
      let headers: Record<string, string> = { 'content-type': 'application/json' };
      if (this.options.signer !== undefined) headers = await this.options.signer({ url: this.url, body, headers });
      else if (this.options.activityToken !== undefined) headers['x-session-token'] = this.options.activityToken;
      const response = await fetch(this.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
      const text = await response.text();
      if (!response.ok) return { ok: false, status: response.status, reason: errorCodeOf(text) || `http ${response.status}` };
      return { ok: true, answer: JSON.parse(text) as ActivityResponse };
    } catch (error) {
      return { ok: false, reason: causeCodeOf(error) };
    }
  }
}
