// The async invocation runner: the rules every handler invoked asynchronously (Scheduler,
// EventBridge) follows, on Lambda and in the local stack alike. An event that does not parse is
// logged and dropped, since retrying it can never succeed; a conflict the state machine expects
// (another actor got there first) is a lost race and a no-op; every other error is rethrown so
// Lambda's retries and the on-failure destination / DLQ see it (README "Operations").
import * as v from '../../contract/valibot';
import { ConflictError, IllegalTransitionError } from '../domain/errors';
import { type Log } from '../ports/observability';

/** Where an event is wrong (paths and rules only: the values are not logged). */
const problemsOf = (issues: readonly v.BaseIssue<unknown>[]): string[] => issues.map((issue) => `${v.pathOf(issue) || '(payload)'}: ${issue.message}`);

/** The event parsed by `schema`, or undefined (logged) when it is malformed and must be dropped. */
export const parseAsyncEvent = <S extends v.GenericSchema>(log: Log, schema: S, event: unknown, what: string): v.InferOutput<S> | undefined => {
  const result = v.safeParse(schema, event);
  if (result.success) return result.output;
  log.error(`malformed ${what} dropped`, { problems: problemsOf(result.issues) });
  return undefined;
};

/** Another actor changed the session first, as the state machine allows: nothing left to do. */
export const isLostRace = (error: unknown): boolean => error instanceof ConflictError || error instanceof IllegalTransitionError;

/** Name and message only: an SDK error object can carry request metadata the log does not need. */
export const errorSummary = (error: unknown): { name: string; message: string } =>
  error instanceof Error ? { name: error.name, message: error.message } : { name: typeof error, message: String(error) };

/**
 * Runs the use case of one async invocation. Its outcome is logged and returned; a lost race
 * returns `conflict`; any other error is logged and rethrown, so the invocation is retried and
 * the on-failure destination sees it.
 */
export const runAsyncInvocation = async <O extends string>(
  log: Log,
  what: string,
  context: Record<string, unknown>,
  run: () => Promise<{ outcome: O }>,
): Promise<{ outcome: O | 'conflict' }> => {
  try {
    const { outcome } = await run();
    log.info(`${what} handled`, { ...context, outcome });
    return { outcome };
  } catch (error) {
    if (isLostRace(error)) {
      log.info(`${what} lost a race; nothing to do`, { ...context, error: errorSummary(error) });
      return { outcome: 'conflict' };
    }
    log.error(`${what} failed; it will be retried`, { ...context, error: errorSummary(error) });
    throw error;
  }
};
