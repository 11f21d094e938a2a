// When the agent reports next (README "The session agent"): once per busy window (the policy's
// `windowSeconds`, the span each CPU measurement covers) or, without a policy, every `pingSeconds`;
// never later than half the idle timeout (its connection stays fresh) and not after the warning
// lead begins (so the warning reaches the status file and the hook at once); never sooner than the
// answer's `nextReportInSeconds` (reporting sooner changes nothing). Pure.
import { type BusyPolicy, type SessionView } from '../contract/wire';

const MIN_WAIT_SECONDS = 1;
const MAX_WAIT_SECONDS = 3600;

export interface TimingInputs {
  session: Pick<SessionView, 'expiresAt' | 'timeouts'>;
  nextReportInSeconds: number;
  policy: BusyPolicy | undefined;
  /** The interval without a busy policy. */
  pingSeconds: number;
}

export const nextReportWaitSeconds = ({ session, nextReportInSeconds, policy, pingSeconds }: TimingInputs, nowMs: number): number => {
  let wanted = Math.min(policy?.windowSeconds ?? pingSeconds, Math.floor(session.timeouts.idleTimeoutSeconds / 2));
  const lead = session.timeouts.warnBeforeSeconds;
  if (lead !== undefined) {
    const untilLead = Math.ceil((Date.parse(session.expiresAt) - lead * 1000 - nowMs) / 1000);
    if (untilLead > 0) wanted = Math.min(wanted, untilLead);
  }
  const told = Number.isFinite(nextReportInSeconds) ? nextReportInSeconds : 0;
  return Math.min(MAX_WAIT_SECONDS, Math.max(MIN_WAIT_SECONDS, told, wanted));
};
