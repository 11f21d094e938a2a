// Busy reports (README "How a session's deadline works", Busy): the session agent's word that the
// task itself is working. Where the profile has a busy policy, a `busy` report keeps the session
// alive as an interaction does, but only for so long: consecutive busy reports form a *stretch*
// (`busySince` to `lastBusyAt`), and with `maxSeconds` a stretch stops counting once it has lasted
// that long, so a runaway loop still ends. The server measures nothing; what it trusts the agent
// with is bounded here and by the fixed deadlines (max lifetime, scheduled stop).
import { type Session, type SessionTimeouts, iso, ms } from './session';
import { heartbeatWriteThresholdMs } from './write-window';

export type BusyInputs = Partial<Pick<Session, 'lastBusyAt' | 'busySince'>> & {
  timeouts: Pick<SessionTimeouts, 'idleTimeoutSeconds' | 'busy'>;
};

type Policy = NonNullable<SessionTimeouts['busy']>;

/**
 * The longest gap between two busy reports of one stretch: the agent's measuring window plus the
 * write window (a batched report leaves `lastBusyAt` up to that much behind).
 */
export const busyStretchGapMs = (policy: Pick<Policy, 'windowSeconds'>, idleTimeoutSeconds: number): number =>
  policy.windowSeconds * 1000 + heartbeatWriteThresholdMs(idleTimeoutSeconds);

/** The end of the stretch's counting part: `busySince + maxSeconds`; without `maxSeconds`, never. */
export const busyCountsUntilMs = (s: BusyInputs): number => {
  const max = s.timeouts.busy?.maxSeconds;
  return max === undefined || s.busySince === undefined ? Number.POSITIVE_INFINITY : ms(s.busySince) + max * 1000;
};

/**
 * The last moment busy reports count for, as an interaction at that moment would: the stretch's
 * last report, but never past its counting part. `undefined` without a policy or a busy report.
 */
export const busyCreditMs = (s: BusyInputs): number | undefined => {
  if (s.timeouts.busy === undefined || s.lastBusyAt === undefined) return undefined;
  return Math.min(ms(s.lastBusyAt), busyCountsUntilMs(s));
};

type Stretch = Required<Pick<Session, 'lastBusyAt' | 'busySince'>>;

/** The stored stretch if a busy report at `nowMs` continues it (the gap is short enough), else none. */
const ongoingStretch = (s: BusyInputs, policy: Policy, nowMs: number): Stretch | undefined => {
  const { lastBusyAt, busySince } = s;
  if (lastBusyAt === undefined || busySince === undefined) return undefined;
  return nowMs - ms(lastBusyAt) <= busyStretchGapMs(policy, s.timeouts.idleTimeoutSeconds) ? { lastBusyAt, busySince } : undefined;
};

/**
 * The stretch after a busy report at `nowMs`: the ongoing one, reported until now; else a new one
 * from now. `lastBusyAt` never moves backwards (another instance's clock may run a little ahead).
 */
export const busyStretchAfter = (s: BusyInputs, policy: Policy, nowMs: number): Stretch => {
  const ongoing = ongoingStretch(s, policy, nowMs);
  return ongoing === undefined
    ? { busySince: iso(nowMs), lastBusyAt: iso(nowMs) }
    : { busySince: ongoing.busySince, lastBusyAt: iso(Math.max(ms(ongoing.lastBusyAt), nowMs)) };
};

/** Whether busy reports keep the session alive at `nowMs` (activity level `busy`). */
export const keptBusy = (s: BusyInputs, nowMs: number): boolean => {
  const policy = s.timeouts.busy;
  return policy !== undefined && ongoingStretch(s, policy, nowMs) !== undefined && nowMs <= busyCountsUntilMs(s);
};
