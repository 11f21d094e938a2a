// The local stack's log: one short human line per event (`12:00:01.234 INFO  message key=value`),
// where Lambda writes JSON lines for CloudWatch. Debug lines only when asked for.
import { type Log, type LogExtra } from '../lambdas/ports/observability';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

const formatValue = (value: unknown): string => {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  if (value instanceof Error) return JSON.stringify(value.message);
  return JSON.stringify(value) ?? String(value);
};

export const formatLine = (level: LogLevel, message: string, extra?: LogExtra, now = new Date()): string => {
  const time = now.toISOString().slice(11, 23);
  const fields = Object.entries(extra ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${formatValue(v)}`);
  return [time, level.toUpperCase().padEnd(5), message, ...fields].join(' ');
};

export interface ConsoleLog extends Log {
  /** A preformatted line at info level (the request log). */
  line(text: string): void;
}

export const consoleLog = (
  minLevel: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): ConsoleLog => {
  const at =
    (level: LogLevel) =>
    (message: string, extra?: LogExtra): void => {
      if (RANK[level] >= RANK[minLevel]) write(formatLine(level, message, extra));
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    line: (text) => at('info')(text),
  };
};

export const isLogLevel = (value: string | undefined): value is LogLevel => value !== undefined && value in RANK;
