// When a client's next report matters (README "How a session's deadline works", Reporting less):
// every activity answer carries `nextReportInSeconds`, so a client can stay quiet for as long as
// reporting would change nothing, instead of sending every keystroke.
//
// The next interaction (naming the same connection, or none) is written from the earliest of: the
// end of the write-batching window, the idle deadline's warning (which an interaction can put off),
// and the connection's seen-time rewrite. Before that moment the same report writes nothing, so it
// changes neither the record nor the deadline; from that moment on, it is written.
import { refreshDueAtMs } from './connections';
import { type BatchingInputs, interactionWrittenFromMs } from './deadline-policy';
import { type Session } from './session';

/** The earliest moment a report of an interaction naming `connectionId` (or none) is written. */
export const nextReportMattersAtMs = (
  s: BatchingInputs & Pick<Session, 'openConnections'>,
  connectionId: string | undefined,
): number => Math.min(interactionWrittenFromMs(s), refreshDueAtMs(s.openConnections, connectionId, s.timeouts));

/**
 * Whole seconds from `nowMs` until the next report matters, rounded down so that reporting sooner
 * never changes anything, and at least 1 so that a client never spins: when less than a second is
 * left (or the moment has passed), the next interaction is written whenever it comes.
 */
export const nextReportInSeconds = (
  s: BatchingInputs & Pick<Session, 'openConnections'>,
  connectionId: string | undefined,
  nowMs: number,
): number => Math.max(1, Math.floor((nextReportMattersAtMs(s, connectionId) - nowMs) / 1000));
