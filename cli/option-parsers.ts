// Parsers for flag values. They throw commander's InvalidArgumentError, which the program turns into
// a one-line usage message and exit code 2 before any request is sent.
import { InvalidArgumentError } from 'commander';

export const positiveInteger = (value: string): number => {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('expected a positive whole number.');
  }
  return Number(value);
};

/** Collects repeated `--meta key=value` flags into one map. */
export const metadataEntry = (value: string, previous: Record<string, string> = {}): Record<string, string> => {
  const separator = value.indexOf('=');
  if (separator < 1) throw new InvalidArgumentError('expected key=value.');
  const key = value.slice(0, separator);
  if (Object.hasOwn(previous, key)) throw new InvalidArgumentError(`key "${key}" given twice.`);
  return { ...previous, [key]: value.slice(separator + 1) };
};

/** A bad flag value found after parsing; exit code 2 like commander's own usage errors. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
