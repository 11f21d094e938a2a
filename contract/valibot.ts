// valibot with our messages, for every schema of the project: the configuration (CDK and local
// stack), the functions' environment, the API's requests and the events the functions receive.
// valibot rather than zod: its schemas are plain objects made by small functions, so a function's
// cold start pays next to nothing for declaring, building and running them, where zod/mini cost
// each function about a tenth of its load + init (README "Performance"); and a bundle holds only
// the actions it uses. Its own default messages echo the value received ("... but received 5"),
// which an API answer must never do (lambdas/handlers/http/error-mapping.ts) and a config error
// need not; so every schema imports valibot from here, where a message naming only what is expected
// is set for every issue that a schema does not give a message of its own.
import * as v from 'valibot';

type Issue = v.BaseIssue<unknown>;

/** `string` → `a string`, `Object` → `an object`: what a type issue says the input must be. */
const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  Object: 'an object',
  Array: 'an array',
  bigint: 'an integer',
  Date: 'a date',
};

const unitOf = (input: unknown, count: unknown): string => `${typeof input === 'string' ? 'character' : 'item'}${count === 1 ? '' : 's'}`;

/** The options of a picklist as the issue states them (`("a" | "b")`), as a list. */
const optionsOf = (expected: string | null): string => (expected ?? '').replace(/^\((.*)\)$/, '$1').split(' | ').join(', ');

const OBJECT_TYPES: ReadonlySet<string> = new Set(['object', 'strict_object', 'loose_object']);

/**
 * What an object's issue says of one of its keys: not one of its entries (`unknown`), or absent
 * (`missing`: the object reports it, the key's own schema never runs). A bad record key is the key
 * schema's own issue, so neither.
 */
export const keyProblemOf = (issue: Issue): 'unknown' | 'missing' | undefined => {
  const last = issue.path?.[issue.path.length - 1];
  if (last === undefined || !('origin' in last) || last.origin !== 'key' || !OBJECT_TYPES.has(issue.type)) return undefined;
  return issue.expected === 'never' ? 'unknown' : 'missing';
};

/** The message of an issue, naming what is expected and never the value received. */
export const messageOf = (issue: Issue): string => {
  const keyProblem = keyProblemOf(issue);
  if (keyProblem !== undefined) return keyProblem === 'unknown' ? 'is not a known key' : 'is missing';
  switch (issue.type) {
    case 'min_length':
      return `must have at least ${String(issue.requirement)} ${unitOf(issue.input, issue.requirement)}`;
    case 'max_length':
      return `must have at most ${String(issue.requirement)} ${unitOf(issue.input, issue.requirement)}`;
    case 'length':
      return `must have exactly ${String(issue.requirement)} ${unitOf(issue.input, issue.requirement)}`;
    case 'non_empty':
      return 'must not be empty';
    case 'min_value':
      return `must be at least ${String(issue.requirement)}`;
    case 'max_value':
      return `must be at most ${String(issue.requirement)}`;
    case 'gt_value':
      return `must be greater than ${String(issue.requirement)}`;
    case 'lt_value':
      return `must be less than ${String(issue.requirement)}`;
    case 'integer':
      return 'must be a whole number';
    case 'finite':
      return 'must be a finite number';
    case 'url':
      return 'must be a URL';
    case 'uuid':
      return 'must be a UUID';
    case 'email':
      return 'must be an e-mail address';
    case 'regex':
      return 'does not have the expected form';
    case 'starts_with':
      return `must start with "${String(issue.requirement)}"`;
    case 'ends_with':
      return `must end with "${String(issue.requirement)}"`;
    case 'picklist':
    case 'enum':
      return `must be one of ${optionsOf(issue.expected)}`;
    case 'literal':
      return `must be ${issue.expected ?? 'the expected value'}`;
    case 'union':
    case 'variant':
      return 'matches none of the allowed forms';
    default:
      break;
  }
  if (issue.kind === 'schema') {
    const word = issue.expected === null ? undefined : TYPE_WORDS[issue.expected];
    return word === undefined ? 'has the wrong type' : `must be ${word}`;
  }
  return 'is not valid';
};

v.setGlobalMessage(messageOf);

/** An object that is not an array: valibot's object and record schemas take an array for one (its indexes as keys); JSON and the configuration do not. */
export const isPlainObject = (input: unknown): input is Record<string, unknown> => typeof input === 'object' && input !== null && !Array.isArray(input);

/**
 * Put first in a pipe before an object or record schema: its only type check, so the object's own
 * issues (missing and unknown keys) keep their messages.
 */
export const plainObject = <T = Record<string, unknown>>(message = 'must be an object') => v.custom<T>(isPlainObject, message);

/** The issue's path as `a.b.0.c` (its keys), or `''` for the input itself. */
export const pathOf = (issue: Issue): string => (issue.path ?? []).map((item) => String(item.key)).join('.');

export * from 'valibot';
