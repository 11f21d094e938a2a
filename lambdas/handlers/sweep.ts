// The sweep Lambda: the safety net, invoked by a recurring schedule (and directly by operators).
// Payload `{dryRun?: boolean}` (default false). Returns the report.
//
// It throws only when the sweep itself could not run (e.g. the store query failed): a retry of the
// whole sweep may then help, and the error must reach the alarm. Per-item failures are reported in
// the result, logged and counted, but not thrown: a throw would make Lambda retry the whole sweep,
// redoing every repair that succeeded and piling more calls on a service that is already failing,
// while the next scheduled sweep (minutes away) retries exactly the items that failed anyway.
import middy from '@middy/core';
import { type SweepReport } from '../../contract/wire';
import * as v from '../../contract/valibot';
import { sweepSetup } from '../roots/sweep-root';
import { type SweepDeps, sweep } from '../use-cases/sweep';
import { initOnLambda } from '../wiring';
import { errorSummary, parseAsyncEvent } from './async-runner';
import { type HandlerSetup } from './handler-setup';
import { observabilityMiddlewares } from './observability-middleware';

initOnLambda(sweepSetup);

// Loose: the schedule may add fields; only dryRun matters. A dryRun that is not a boolean is
// dropped rather than guessed, since guessing wrong would make real changes on a dry run.
export const sweepPayloadSchema = v.object({ dryRun: v.optional(v.boolean()) });

/** What the sweep schedule sends (lib/constructs/expiry-scheduling.ts: `{dryRun: false}`). */
export type SweepEvent = v.InferInput<typeof sweepPayloadSchema>;

export type SweepHandlerResult = SweepReport | { dropped: true };

const asPayload = (event: unknown): unknown => (event === undefined || event === null ? {} : event);

export const makeSweepHandler = ({ deps, log }: HandlerSetup<SweepDeps>) => {
  const sweepHandler = async (event: unknown): Promise<SweepHandlerResult> => {
    const payload = parseAsyncEvent(log, sweepPayloadSchema, asPayload(event), 'sweep request');
    if (payload === undefined) return { dropped: true };
    const dryRun = payload.dryRun ?? false;
    let result: SweepReport;
    try {
      result = await sweep(deps(), { dryRun });
    } catch (error) {
      log.error('sweep could not run', { dryRun, error: errorSummary(error) });
      throw error;
    }
    if (result.failures.length > 0) {
      log.warn('sweep finished with failed repairs; the next sweep retries them', { dryRun, failures: result.failures });
    }
    return result;
  };
  return middy<unknown, SweepHandlerResult>().use(observabilityMiddlewares()).handler(sweepHandler);
};

export const handler = makeSweepHandler(sweepSetup);
