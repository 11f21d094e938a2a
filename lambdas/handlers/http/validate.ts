// Runs a request schema and turns its first problem into a ValidationError that names the field
// (top-level name only: a metadata key is input, so it is not repeated back) and never the value.
import * as z from '../../../contract/zod-mini';
import { ValidationError } from '../../domain/errors';

const SAFE_FIELD = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

const fieldOf = (issue: z.core.$ZodIssue, whole: string): string => {
  const first = issue.path[0];
  if (first !== undefined) return String(first);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    return key !== undefined && SAFE_FIELD.test(key) ? key : whole;
  }
  return whole;
};

const isMissing = (input: unknown, issue: z.core.$ZodIssue): boolean => {
  const first = issue.path[0];
  return (
    issue.code !== 'invalid_key' &&
    issue.path.length === 1 &&
    typeof input === 'object' &&
    input !== null &&
    !Array.isArray(input) &&
    (typeof first === 'string' || typeof first === 'number') &&
    (input as Record<string, unknown>)[first] === undefined
  );
};

const messageOf = (issue: z.core.$ZodIssue, input: unknown, field: string, whole: string): string => {
  if (issue.code === 'unrecognized_keys') return field === whole ? `${whole}: has an unknown field` : `${field}: unknown field`;
  if (isMissing(input, issue)) return `${field}: is required`;
  // A bad record key (metadata): the key's own rule, not zod's generic "Invalid key in record".
  if (issue.code === 'invalid_key') return `${field}: ${issue.issues[0]?.message ?? 'has an invalid key'}`;
  return `${field}: ${issue.message}`;
};

/**
 * `whole` names the thing validated (`body`, `query`, `id`, a header) for problems that are not
 * about one field in it.
 */
export const validate = <S extends z.core.$ZodType>(schema: S, input: unknown, whole: string): z.output<S> => {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new ValidationError(whole, `${whole}: is invalid`);
  const field = fieldOf(issue, whole);
  throw new ValidationError(field, messageOf(issue, input, field, whole));
};
