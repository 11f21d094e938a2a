// A profile's scheduled stop (README "How a session's deadline works", Profiles): a cron expression
// read in an IANA time zone, e.g. every day at 20:00 in Europe/Zurich. It lives in contract/ because
// the configuration validates it (CDK app and runtime alike). The domain never imports it (it holds
// only domain and contract code, no package): the create use case computes the instant and the
// record keeps it. croner does no I/O and starts no timer when given no job.
//
// croner is required on first use, not imported: a function's bundle then does not hold it (esbuild
// leaves a require through createRequire alone) and carries it as a package of its own beside the
// bundle (FIRST_USE_PACKAGES in lib/constructs/session-function.ts), so only a deployment whose
// profiles have a scheduled stop ever parses it (README "Performance"). Unbundled (the CDK app, the
// local stack, tests) the same require finds it in node_modules.
import { createRequire } from 'node:module';
import type * as Croner from 'croner';
import type { Cron } from 'croner';

import { type ScheduledStop } from './wire';

const requireBeside = createRequire(import.meta.url);
let cronClass: typeof Cron | undefined;
/** croner's Cron, required once (synchronously: its CommonJS build) on the first expression. */
const CronClass = (): typeof Cron => (cronClass ??= (requireBeside('croner') as typeof Croner).Cron);

const FIELD_COUNT = 5;

/** Whether the runtime's Intl knows the zone (the same Intl croner converts with). */
export const isKnownTimeZone = (timezone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
};

const cronOf = (stop: ScheduledStop): Cron => new (CronClass())(stop.cron, { timezone: stop.timezone, paused: true });

/** Why the cron expression is unusable, or `undefined` when it is fine (the zone is checked apart). */
export const cronProblem = (cron: string): string | undefined => {
  if (cron.trim().split(/\s+/).length !== FIELD_COUNT) {
    return 'needs five fields: minute hour day-of-month month day-of-week';
  }
  // Outside the try: croner missing is a fault of the deployment, not of the expression.
  const CronOfExpression = CronClass();
  try {
    if (new CronOfExpression(cron, { paused: true }).nextRun() === null) return 'never occurs';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return undefined;
};

/**
 * The first occurrence strictly after `afterMs`, in epoch milliseconds, or `undefined` if the
 * expression never occurs again.
 */
export const nextScheduledStopMs = (stop: ScheduledStop, afterMs: number): number | undefined => {
  const next = cronOf(stop).nextRun(new Date(afterMs));
  return next === null ? undefined : next.getTime();
};
