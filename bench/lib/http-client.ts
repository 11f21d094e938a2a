// A small timed HTTP client for the local stack's API: every request's latency is recorded under its
// route, so a case can report p50/p99 per route without timing code of its own.
import { percentile } from './stats';

export interface ApiResponse<T> {
  status: number;
  body: T;
  ms: number;
}

export class TimedApi {
  readonly latencies = new Map<string, number[]>();

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async request<T>(route: string, method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<ApiResponse<T>> {
    const start = performance.now();
    // A header given as '' is left out (e.g. no Authorization for a token-authenticated call).
    const headers = Object.fromEntries(
      Object.entries({
        authorization: `Bearer ${this.token}`,
        ...(options.body !== undefined && { 'content-type': 'application/json' }),
        ...options.headers,
      }).filter(([, value]) => value !== ''),
    );
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    const ms = performance.now() - start;
    const samples = this.latencies.get(route) ?? [];
    samples.push(ms);
    this.latencies.set(route, samples);
    return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T, ms };
  }

  /** Fails with the route, status and answer when the status is not the one expected. */
  async expect<T>(route: string, method: string, path: string, statuses: readonly number[], options?: { body?: unknown; headers?: Record<string, string> }): Promise<T> {
    const response = await this.request<T>(route, method, path, options);
    if (!statuses.includes(response.status)) {
      throw new Error(`${route} answered ${response.status}: ${JSON.stringify(response.body).slice(0, 300)}`);
    }
    return response.body;
  }

  p(route: string, p: number): number {
    const samples = this.latencies.get(route);
    return samples === undefined || samples.length === 0 ? Number.NaN : percentile(samples, p);
  }
}
