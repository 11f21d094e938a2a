// When a client's next report matters (README "How a session's deadline works", Reporting less):
// every activity answer carries `nextReportInSeconds`, so a client can stay quiet for as long as
// reporting would change nothing, instead of sending every keystroke.
//
// The next interaction (naming the same connection, or none) is written from the earliest of: the
// end of the write-batching window, the idle deadline's warning (which an interaction can put off),
// and the connection's seen-time rewrite. Before that moment the same report writes nothing, so it
// changes neither the record nor the deadline; from that moment on, it is written. A busy report
// is answered for the next busy report (its window runs from `lastBusyAt`) where the profile has a
// busy policy; every other kind for the next interaction, the report that moves the deadline.
import { refreshDueAtMs } from './connections';
import { type BatchingInputs, type HeartbeatKind, reportWrittenFromMs } from './deadline-policy';
import { type Session } from './session';

/** The earliest moment a report of `kind` (an interaction but for busy) naming `connectionId` (or none) is written. */
export const nextReportMattersAtMs = (
  s: BatchingInputs & Pick<Session, 'openConnections'>,
  connectionId: string | undefined,
  kind: HeartbeatKind = 'interaction',
): number => Math.min(reportWrittenFromMs(s, kind), refreshDueAtMs(s.openConnections, connectionId, s.timeouts));

/**
 * Whole seconds from `nowMs` until the next report matters, rounded down so that reporting sooner
 * never changes anything, and at least 1 so that a client never spins: when less than a second is
 * left (or the moment has passed), the next report is written whenever it comes.
 */
export const nextReportInSeconds = (
  s: BatchingInputs & Pick<Session, 'openConnections'>,
  connectionId: string | undefined,
  nowMs: number,
  kind: HeartbeatKind = 'interaction',
): number => Math.max(1, Math.floor((nextReportMattersAtMs(s, connectionId, kind) - nowMs) / 1000));
