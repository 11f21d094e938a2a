// EventBridge event pattern matching (EventBridge user guide, "Event patterns" and "Content
// filtering"), for deciding whether a rule would deliver an event at all. Every pattern field must
// match; a field's list matches when any alternative does; an event array matches when any element
// does; nested objects match field by field. Content filters: prefix, suffix, anything-but,
// exists, equals-ignore-case, numeric, wildcard and `$or`. An operator it does not know throws:
// better a failed test than a pattern silently judged wrong.

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const MISSING = Symbol('missing');
type EventValue = Json | typeof MISSING;

// Numbers compare as numbers (5 matches 5.0), everything else exactly.
const equalLiteral = (alternative: unknown, value: Json): boolean => alternative === value;

const stringTest = (operand: unknown, what: string, test: (value: string, text: string, ignoreCase: boolean) => boolean) => {
  if (typeof operand === 'string') return (value: Json) => typeof value === 'string' && test(value, operand, false);
  if (isObject(operand) && typeof operand['equals-ignore-case'] === 'string') {
    const text = operand['equals-ignore-case'];
    return (value: Json) => typeof value === 'string' && test(value, text, true);
  }
  throw new Error(`unsupported ${what} operand ${JSON.stringify(operand)}`);
};

const fold = (s: string, ignoreCase: boolean): string => (ignoreCase ? s.toLowerCase() : s);
const startsWith = (value: string, text: string, ignoreCase: boolean): boolean => fold(value, ignoreCase).startsWith(fold(text, ignoreCase));
const endsWith = (value: string, text: string, ignoreCase: boolean): boolean => fold(value, ignoreCase).endsWith(fold(text, ignoreCase));

const wildcard = (pattern: string): RegExp =>
  new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');

const NUMERIC: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '=': (a, b) => a === b,
  '>=': (a, b) => a >= b,
  '>': (a, b) => a > b,
};

/** One content filter (an object alternative) against one present value. */
const filterMatches = (filter: Record<string, unknown>, value: Json): boolean => {
  const [operator, ...others] = Object.keys(filter);
  if (operator === undefined || others.length > 0) throw new Error(`unsupported content filter ${JSON.stringify(filter)}`);
  const operand = filter[operator];
  switch (operator) {
    case 'prefix':
      return stringTest(operand, 'prefix', startsWith)(value);
    case 'suffix':
      return stringTest(operand, 'suffix', endsWith)(value);
    case 'equals-ignore-case':
      return typeof operand === 'string' && typeof value === 'string' && value.toLowerCase() === operand.toLowerCase();
    case 'wildcard':
      return typeof operand === 'string' && typeof value === 'string' && wildcard(operand).test(value);
    case 'anything-but': {
      if (Array.isArray(operand)) return !operand.some((o) => equalLiteral(o, value));
      if (isObject(operand)) return !filterMatches(operand, value);
      return !equalLiteral(operand, value);
    }
    case 'numeric': {
      if (!Array.isArray(operand) || typeof value !== 'number') return false;
      for (let i = 0; i < operand.length; i += 2) {
        const compare = NUMERIC[String(operand[i])];
        if (compare === undefined) throw new Error(`unsupported numeric operator ${String(operand[i])}`);
        if (!compare(value, Number(operand[i + 1]))) return false;
      }
      return true;
    }
    default:
      throw new Error(`unsupported content filter ${operator}`);
  }
};

const alternativeMatches = (alternative: unknown, value: EventValue): boolean => {
  if (isObject(alternative) && 'exists' in alternative) return (value !== MISSING) === (alternative['exists'] === true);
  if (value === MISSING) return false;
  const candidates = Array.isArray(value) ? value : [value];
  return candidates.some((candidate) => (isObject(alternative) ? filterMatches(alternative, candidate) : equalLiteral(alternative, candidate)));
};

const objectMatches = (pattern: Record<string, unknown>, event: Record<string, unknown>): boolean =>
  Object.entries(pattern).every(([key, expected]) => {
    if (key === '$or') {
      if (!Array.isArray(expected)) throw new Error('$or takes a list of patterns');
      return expected.some((p) => isObject(p) && objectMatches(p, event));
    }
    const value: EventValue = Object.hasOwn(event, key) ? (event[key] as Json) : MISSING;
    if (Array.isArray(expected)) return expected.some((alternative) => alternativeMatches(alternative, value));
    if (isObject(expected)) return isObject(value) && objectMatches(expected, value);
    throw new Error(`pattern field ${key} must be a list or an object, got ${JSON.stringify(expected)}`);
  });

/** Whether EventBridge would deliver `event` to a rule with `pattern`. */
export const matchesEventPattern = (pattern: unknown, event: unknown): boolean => {
  if (!isObject(pattern)) throw new Error(`an event pattern is an object, got ${JSON.stringify(pattern)}`);
  return isObject(event) && objectMatches(pattern, event);
};
