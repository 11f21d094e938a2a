// The open client connections of a session: a set of client-chosen ids, each with the time it was
// last seen (README "How a session's deadline works", Connections). A set instead of a counter makes
// connect and disconnect idempotent: a retried disconnect, or one for an id that never connected,
// changes nothing, so one tab's retry can never close another tab. The server applies events in the
// order their writes land, and the last event per id wins.
//
// The set is bounded two ways, so a client that crashes without a disconnect (or one that invents an
// id per request) cannot grow the record or keep a session connected forever:
// - an id not seen for longer than the idle timeout is stale, and is dropped by the next connect or
//   disconnect of any id;
// - at most MAX_OPEN_CONNECTIONS ids are kept; a connect beyond that drops the stalest other id.
// An id is seen when it connects, and when a ping, busy report or interaction names it; the stored
// time is rewritten at most once per half an idle timeout, so naming the id costs at most two writes per
// idle timeout, and a client that reports at least that often never goes stale.
import { type SessionTimeouts, iso, ms } from './session';

/** Connection ids: what a client may choose (a UUID, `tab-3`, `jupyter.kernel_1`). */
export const CONNECTION_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const MAX_CONNECTION_ID_CHARS = 64;
/** Ids are keys of a map, and JavaScript gives this one key a meaning of its own. */
export const RESERVED_CONNECTION_ID = '__proto__';
export const MAX_OPEN_CONNECTIONS = 32;

/** Connection id to when it was last seen (ISO 8601). */
export type OpenConnections = Readonly<Record<string, string>>;

type Timeouts = Pick<SessionTimeouts, 'idleTimeoutSeconds'>;

/** An id not seen for longer than this is stale. */
export const connectionStaleAfterMs = (timeouts: Timeouts): number => timeouts.idleTimeoutSeconds * 1000;

/**
 * A report naming an open id rewrites its last-seen time once it is at least this old: half the
 * idle timeout, in whole seconds (rounded up, as the write window is).
 */
export const connectionRefreshAfterMs = (timeouts: Timeouts): number => Math.ceil(timeouts.idleTimeoutSeconds / 2) * 1000;

export const openConnectionCount = (open: OpenConnections): number => Object.keys(open).length;

export const isOpen = (open: OpenConnections, id: string): boolean => Object.hasOwn(open, id);

const without = (open: OpenConnections, drop: (id: string, seenMs: number) => boolean): Record<string, string> =>
  Object.fromEntries(Object.entries(open).filter(([id, seen]) => !drop(id, ms(seen))));

const sameSet = (a: OpenConnections, b: OpenConnections): boolean => {
  const keys = Object.keys(a);
  return keys.length === openConnectionCount(b) && keys.every((id) => b[id] === a[id]);
};

/** Seen-times never move backwards (another instance's clock may run a little ahead). */
const seenAt = (open: OpenConnections, id: string, nowMs: number): string =>
  isOpen(open, id) ? iso(Math.max(ms(open[id]), nowMs)) : iso(nowMs);

/**
 * `id` is open and seen now; other stale ids are dropped, and over the bound the stalest others go
 * (ties by id, so every replica of the rule drops the same one). `undefined`: nothing changes.
 */
export const connect = (open: OpenConnections, id: string, nowMs: number, timeouts: Timeouts): OpenConnections | undefined => {
  const staleBefore = nowMs - connectionStaleAfterMs(timeouts);
  const refreshDue = !isOpen(open, id) || ms(open[id]) <= nowMs - connectionRefreshAfterMs(timeouts);
  const others = Object.entries(open)
    .filter(([other, seen]) => other !== id && ms(seen) >= staleBefore)
    .sort(([a, seenA], [b, seenB]) => ms(seenA) - ms(seenB) || (a < b ? -1 : 1))
    .slice(-(MAX_OPEN_CONNECTIONS - 1));
  const next = Object.fromEntries([...others, [id, refreshDue ? seenAt(open, id, nowMs) : open[id]]]);
  return sameSet(open, next) ? undefined : next;
};

/**
 * `id` is closed and other stale ids are dropped. `undefined` for an id that is not open: a repeated
 * or unknown disconnect changes nothing.
 */
export const disconnect = (open: OpenConnections, id: string, nowMs: number, timeouts: Timeouts): OpenConnections | undefined => {
  if (!isOpen(open, id)) return undefined;
  const staleBefore = nowMs - connectionStaleAfterMs(timeouts);
  return without(open, (other, seenMs) => other === id || seenMs < staleBefore);
};

/** When a report naming `id` next rewrites its seen-time; never, for an id that is not open. */
export const refreshDueAtMs = (open: OpenConnections, id: string | undefined, timeouts: Timeouts): number =>
  id !== undefined && isOpen(open, id) ? ms(open[id]) + connectionRefreshAfterMs(timeouts) : Number.POSITIVE_INFINITY;

/** `id` seen now, if it is open; else `undefined` (a report never opens a connection). */
export const markSeen = (open: OpenConnections, id: string | undefined, nowMs: number): OpenConnections | undefined =>
  id !== undefined && isOpen(open, id) ? { ...open, [id]: seenAt(open, id, nowMs) } : undefined;

/** `id` seen now, if it is open and its stored time is due for a rewrite; else `undefined`. */
export const refresh = (open: OpenConnections, id: string | undefined, nowMs: number, timeouts: Timeouts): OpenConnections | undefined =>
  nowMs < refreshDueAtMs(open, id, timeouts) ? undefined : markSeen(open, id, nowMs);
