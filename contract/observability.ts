// What the functions emit and the alarms and dashboard watch: the service name (also the
// `service` dimension on every custom metric), the CloudWatch namespace, the metric names and the
// few dimensions a metric may carry. The runtime may emit only these names; the CDK app may watch
// only these names, so an alarm can never wait on a metric nobody writes.

export const SERVICE_NAME = 'session-expiry';
export const METRICS_NAMESPACE = 'SessionExpiry';
/** The dimension the functions' EMF adds to every metric, valued with the service name. */
export const SERVICE_DIMENSION = 'service';

export const METRIC_NAMES = [
  'SessionsCreated',
  'SessionsEnded', // dimension Reason
  'StartFailures',
  'StartRetries', // a throttled or capacity-starved start queued again
  'StartTimeouts', // a queued start not done within startTimeoutSeconds
  'StartLatencyMs', // from queuedAt to RunTask accepted, milliseconds
  'ExpiryLagMs', // from expiresAt to the stop request, milliseconds
  'SchedulesArmed',
  'StaleFires',
  'WarningsSent',
  'ResourceWarningsSent', // a Session Resource Warning published (README "Resource warnings")
  'HeartbeatWrites',
  'HeartbeatsSkipped',
  'OverdueSessions', // gauge, by the sweep
  'LiveSessions', // gauge, by the sweep
  'SessionsByActivity', // gauge, dimension ActivityLevel
  'SweepRepairs', // dimension Kind (a sweep kind)
  'SweepFailures',
  'OrphansStopped',
  'EventPublishFailures',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/**
 * The only dimensions besides `service`: each has a handful of values (end reasons, activity levels,
 * sweep kinds, profile names). A per-session or per-owner dimension would make one CloudWatch metric
 * per value.
 */
export const METRIC_DIMENSIONS = ['Reason', 'ActivityLevel', 'Kind', 'Profile'] as const;
export type MetricDimension = (typeof METRIC_DIMENSIONS)[number];
