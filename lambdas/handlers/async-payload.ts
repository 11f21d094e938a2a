// Shared rules of the handlers that are invoked asynchronously (Scheduler, EventBridge): a payload
// that does not parse is logged and dropped, since retrying it can never succeed; a conflict the
// state machine expects (another actor got there first) is a no-op; every other error is rethrown
// so Lambda's retries and the on-failure destination / DLQ see it.
import { type z } from 'zod';
import { ConflictError, IllegalTransitionError } from '../domain/errors';
import { type Log } from '../ports/observability';

/** Where a payload is wrong (paths and rules only: the values are not logged). */
const problemsOf = (error: z.ZodError): string[] =>
  error.issues.map((issue) => `${issue.path.map(String).join('.') || '(payload)'}: ${issue.message}`);

export const parsePayload = <S extends z.ZodType>(log: Log, schema: S, payload: unknown, what: string): z.output<S> | undefined => {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  log.error(`malformed ${what} dropped`, { problems: problemsOf(result.error) });
  return undefined;
};

export const isExpectedConflict = (error: unknown): boolean =>
  error instanceof ConflictError || error instanceof IllegalTransitionError;

/** Name and message only: an SDK error object can carry request metadata the log does not need. */
export const errorSummary = (error: unknown): { name: string; message: string } =>
  error instanceof Error ? { name: error.name, message: error.message } : { name: typeof error, message: String(error) };

/**
 * Runs the use case of an async invocation. Its outcome is logged and returned; a lost race
 * (an expected conflict) returns `conflict`; any other error is logged and rethrown, so Lambda
 * retries it and the on-failure destination sees it.
 */
export const runAsync = async <O extends string>(
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
    if (isExpectedConflict(error)) {
      log.info(`${what} lost a race; nothing to do`, { ...context, error: errorSummary(error) });
      return { outcome: 'conflict' };
    }
    log.error(`${what} failed; it will be retried`, { ...context, error: errorSummary(error) });
    throw error;
  }
};
