// Logging and metrics as the use cases see them. Powertools Logger is adapted to `Log` in
// adapters/observability/powertools.ts (`createLog`); the
// metrics adapter turns `count`/`observe` into CloudWatch EMF (one blob per invocation, never one
// PutMetricData per event) and never uses a per-session dimension.

export type LogExtra = Record<string, unknown>;

export interface Log {
  debug(message: string, extra?: LogExtra): void;
  info(message: string, extra?: LogExtra): void;
  warn(message: string, extra?: LogExtra): void;
  error(message: string, extra?: LogExtra): void;
}

export const METRIC_NAMES = [
  'SessionsCreated',
  'SessionsEnded', // dimension Reason
  'StartFailures',
  'ExpiryLagMs', // from expiresAt to the stop request, milliseconds
  'SchedulesArmed',
  'StaleFires',
  'WarningsSent',
  'HeartbeatWrites',
  'HeartbeatsSkipped',
  'OverdueSessions', // gauge, by the sweep
  'LiveSessions', // gauge, by the sweep
  'SessionsByActivity', // gauge, dimension ActivityLevel
  'SweepRepairs', // dimension Kind: expired | stuck | orphans | lost
  'SweepFailures',
  'OrphansStopped',
  'EventPublishFailures',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export type MetricDimensions = Partial<Record<'Reason' | 'ActivityLevel' | 'Kind' | 'Profile', string>>;

export interface Metrics {
  count(name: MetricName, value?: number, dimensions?: MetricDimensions): void;
  /** A measured value (milliseconds or a gauge). */
  observe(name: MetricName, value: number, unit: 'Milliseconds' | 'Count', dimensions?: MetricDimensions): void;
}

export const silentLog: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
export const noMetrics: Metrics = { count: () => {}, observe: () => {} };
