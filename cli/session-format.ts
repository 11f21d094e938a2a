// How sessions look in human output: the list table (id, profile, status, activity, expires in,
// reason) and the one-session detail view. Times are shown relative to the CLI's clock.
import { type SessionStatus, type SessionView } from '../contract/wire';
import { type Column, formatFields, formatTable } from './table';

const isEnded = (status: SessionStatus): boolean => status === 'stopped' || status === 'failed';
const ms = (isoTime: string): number => Date.parse(isoTime);

/** `45s`, `14m 05s`, `3h 02m`, `2d 4h`, `15m`: two units at most (a zero second one is dropped). */
export const formatDuration = (durationMs: number): string => {
  const total = Math.max(0, Math.round(durationMs / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const two = (n: number): string => String(n).padStart(2, '0');
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  if (hours > 0) return minutes > 0 ? `${hours}h ${two(minutes)}m` : `${hours}h`;
  if (minutes > 0) return seconds > 0 ? `${minutes}m ${two(seconds)}s` : `${minutes}m`;
  return `${seconds}s`;
};

/** Time left before the deadline of a session that can still expire; `-` once it is stopping or ended. */
export const expiresIn = (session: SessionView, nowMs: number): string => {
  if (session.status === 'stopping' || isEnded(session.status)) return '-';
  const left = ms(session.expiresAt) - nowMs;
  return left >= 0 ? formatDuration(left) : `overdue ${formatDuration(-left)}`;
};

/** Client connections, and the session agent apart: its connection holds nothing (README "The session agent"). */
const connectionsText = (s: SessionView): string =>
  `${s.connections} connection${s.connections === 1 ? '' : 's'}${s.agentConnected === true ? ', agent connected' : ''}`;

/** Why it ended; for a live session, which deadline binds (idle_timeout, max_lifetime, scheduled_stop, disconnected). */
export const reasonOf = (session: SessionView): string => {
  if (session.endReason !== undefined) return session.endReason;
  return isEnded(session.status) ? '-' : session.expiryReason;
};

export const formatSessionTable = (sessions: readonly SessionView[], nowMs: number): string => {
  const columns: Column<SessionView>[] = [
    { header: 'id', value: (s) => s.id },
    { header: 'profile', value: (s) => s.profile },
    { header: 'status', value: (s) => s.status },
    { header: 'activity', value: (s) => (isEnded(s.status) ? '-' : s.activityLevel) },
    { header: 'expires in', value: (s) => expiresIn(s, nowMs), right: true },
    { header: 'reason', value: reasonOf },
  ];
  return formatTable(sessions, columns);
};

const at = (isoTime: string | undefined, nowMs: number): string => {
  if (isoTime === undefined) return '-';
  const delta = ms(isoTime) - nowMs;
  const relative = delta >= 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
  return `${isoTime} (${relative})`;
};

/** When the start was queued, and while it waits in line, where it stands (README "Starting at the rate ECS allows"). */
const queuedText = (s: SessionView, nowMs: number): string => {
  const when = at(s.queuedAt, nowMs);
  if (s.queuePosition === undefined) return when;
  const eta = s.startEstimateSeconds === undefined ? '' : `, starts in about ${formatDuration(s.startEstimateSeconds * 1000)}`;
  return `${when}; ${s.queuePosition} ahead in line${eta}`;
};

/** Where the session's workspace is mounted and whether it found earlier work (README "Workspaces"). */
const workspaceText = (s: SessionView): string => {
  const w = s.workspace;
  if (w === undefined) return '-';
  return `${w.mountPath}, ${w.sizeGiB} GiB, ${w.restored ? 'restored from the last session' : 'new'}, kept ${formatDuration(w.retentionSeconds * 1000)} after the session`;
};

/** Every field of one session, aligned, for `show` and the single-session commands. */
export const formatSessionDetails = (s: SessionView, nowMs: number): string => {
  const t = s.timeouts;
  const timeouts = [
    `idle ${formatDuration(t.idleTimeoutSeconds * 1000)}`,
    `max ${formatDuration(t.maxLifetimeSeconds * 1000)}`,
    t.disconnectGraceSeconds !== undefined ? `disconnect grace ${formatDuration(t.disconnectGraceSeconds * 1000)}` : '',
    t.warnBeforeSeconds !== undefined ? `warn ${formatDuration(t.warnBeforeSeconds * 1000)} before` : '',
    t.scheduledStop !== undefined ? `stop at "${t.scheduledStop.cron}" ${t.scheduledStop.timezone}` : '',
  ].filter((part) => part !== '');
  const metadata = Object.entries(s.metadata ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
  const live = !isEnded(s.status);
  // README "Resource warnings": what the session agent last reported past the profile's threshold.
  const resources = (s.resourceWarnings ?? []).map((w) => `${w.resource} ${w.percent} % since ${at(w.since, nowMs)}`).join('; ');
  return formatFields([
    ['id', s.id],
    ['owner', s.ownerId],
    ['profile', s.profile],
    ['status', s.status],
    ['end reason', s.endReason ?? '-'],
    ['activity', live ? `${s.activityLevel} (${connectionsText(s)})` : '-'],
    ['expires', live && s.status !== 'stopping' ? `${at(s.expiresAt, nowMs)}, ${s.expiryReason}` : '-'],
    ['resources', resources || '-'],
    ['max expires', at(s.maxExpiresAt, nowMs)],
    ['scheduled stop', at(s.scheduledStopAt, nowMs)],
    ['extended until', at(s.extendedUntil, nowMs)],
    ['last activity', at(s.lastActivityAt, nowMs)],
    ['disconnected', at(s.disconnectedAt, nowMs)],
    ['created', at(s.createdAt, nowMs)],
    ['queued', queuedText(s, nowMs)],
    ['started', at(s.startedAt, nowMs)],
    ['stop requested', at(s.stopRequestedAt, nowMs)],
    ['ended', at(s.endedAt, nowMs)],
    ['timeouts', timeouts.join(', ')],
    ['workspace', workspaceText(s)],
    ['metadata', metadata || '-'],
  ]);
};
