// The functions' log: one JSON object per line on stdout, which Lambda sends to the function's log
// group and Logs Insights reads field by field (README "Logs Insights queries"). The keys are those
// Powertools Logger wrote before (level, message, timestamp, service, the invocation's keys,
// xray_trace_id), so the queries and any saved by operators keep working; a few lines of our own
// instead of Powertools because its Logger cost every cold start about 4 % (README "Performance").
import { type Log, type LogExtra } from '../../ports/observability';

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: Readonly<Record<LogLevel, number>> = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 };

/** What a level variable asks for, or undefined for unset or unknown (any case; `warning` is WARN). */
const levelNamed = (value: string | undefined): LogLevel | undefined => {
  const upper = value?.trim().toUpperCase();
  const named = upper === 'WARNING' ? 'WARN' : upper;
  return (LOG_LEVELS as readonly string[]).includes(named ?? '') ? (named as LogLevel) : undefined;
};

/**
 * The level from our variable and Lambda's own (`AWS_LAMBDA_LOG_LEVEL`, set by its logging
 * controls), the stricter of the two when both are set, INFO when neither is: a line Lambda would
 * drop anyway is not worth writing.
 */
export const logLevelOf = (own: string | undefined, lambdas: string | undefined): LogLevel => {
  const levels = [levelNamed(own), levelNamed(lambdas)].filter((level): level is LogLevel => level !== undefined);
  if (levels.length === 0) return 'INFO';
  return levels.reduce((a, b) => (RANK[b] > RANK[a] ? b : a));
};

/** The keys of the current invocation (Lambda context), added to each of its lines. */
export type InvocationKeys = Readonly<Record<string, string | number | boolean>>;

/** The X-Ray trace id of the current invocation (`Root=` of the runtime's trace header), if traced. */
const traceIdOf = (header: string | undefined): string | undefined => /(?:^|;)Root=([^;]+)/.exec(header ?? '')?.[1];

/**
 * An Error as a log value: name, message, stack, its own fields (the AWS SDK's `$metadata`, a
 * `code`) and its cause. JSON.stringify would write `{}`.
 */
const errorValue = (error: Error): Record<string, unknown> => ({
  ...Object.fromEntries(Object.entries(error)),
  name: error.name,
  message: error.message,
  stack: error.stack,
  ...(error.cause !== undefined && { cause: error.cause }),
});

/** JSON of a log line that never throws: errors spelled out, bigints as text, cycles cut. */
const lineText = (entry: Record<string, unknown>): string => {
  const seen = new WeakSet<object>();
  return JSON.stringify(entry, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value !== 'object' || value === null) return value;
    if (seen.has(value)) return '[circular]';
    seen.add(value);
    return value instanceof Error ? errorValue(value) : value;
  });
};

export interface JsonLogOptions {
  service: string;
  level: LogLevel;
  /** Where a line goes (stdout on Lambda); given one whole line with its newline. */
  write: (line: string) => void;
  now?: () => Date;
  /** The trace header of the current invocation (Lambda sets `_X_AMZN_TRACE_ID` per invocation). */
  traceHeader?: () => string | undefined;
}

export interface JsonLog extends Log {
  /** Sets the keys of the invocation that starts; `undefined` clears them when it ends. */
  setInvocation(keys: InvocationKeys | undefined): void;
}

export const createJsonLog = (options: JsonLogOptions): JsonLog => {
  const { service, write } = options;
  const threshold = RANK[options.level];
  const now = options.now ?? (() => new Date());
  const traceHeader = options.traceHeader ?? (() => process.env['_X_AMZN_TRACE_ID']);
  let invocation: InvocationKeys = {};
  const at =
    (level: LogLevel) =>
    (message: string, extra?: LogExtra): void => {
      if (RANK[level] < threshold) return;
      const traceId = traceIdOf(traceHeader());
      const fixed = {
        level,
        message,
        timestamp: now().toISOString(),
        service,
        ...invocation,
        ...(traceId !== undefined && { xray_trace_id: traceId }),
      };
      // The fixed keys first and again last: a caller's extra adds keys, never replaces these.
      write(`${lineText({ ...fixed, ...extra, ...fixed })}\n`);
    };
  return {
    debug: at('DEBUG'),
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
    setInvocation: (keys) => {
      invocation = keys ?? {};
    },
  };
};
