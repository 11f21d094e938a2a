// Runs a request schema and turns its first problem into a ValidationError that names the field
// (top-level name only: a metadata key is input, so it is not repeated back) and never the value.
import * as v from '../../../contract/valibot';
import { ValidationError } from '../../domain/errors';

type Issue = v.BaseIssue<unknown>;

const SAFE_FIELD = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** The input has nothing under `key` (a missing field, or a missing discriminator such as `kind`). */
const isAbsent = (input: unknown, key: unknown): boolean =>
  v.isPlainObject(input) && typeof key === 'string' && (!Object.hasOwn(input, key) || input[key] === undefined);

const errorOf = (issue: Issue, input: unknown, whole: string): ValidationError => {
  const path = issue.path ?? [];
  const first = path[0];
  const problem = v.keyProblemOf(issue);
  if (first === undefined) return new ValidationError(whole, `${whole}: ${issue.message}`);
  const field = String(first.key);
  if (problem === 'unknown' && path.length === 1) {
    // The key is the client's: named back only when it looks like a field name.
    return SAFE_FIELD.test(field) ? new ValidationError(field, `${field}: unknown field`) : new ValidationError(whole, `${whole}: has an unknown field`);
  }
  if (problem === 'unknown') return new ValidationError(field, `${field}: unknown field`);
  if (path.length === 1 && isAbsent(input, first.key)) return new ValidationError(field, `${field}: is required`);
  if (problem === 'missing') return new ValidationError(field, `${field}: has a missing field`);
  return new ValidationError(field, `${field}: ${issue.message}`);
};

/**
 * `whole` names the thing validated (`body`, `query`, `id`, a header) for problems that are not
 * about one field in it. Only the first problem is answered, so valibot stops at it.
 */
export const validate = <S extends v.GenericSchema>(schema: S, input: unknown, whole: string): v.InferOutput<S> => {
  const result = v.safeParse(schema, input, { abortEarly: true });
  if (result.success) return result.output;
  const issue = result.issues[0];
  if (issue === undefined) throw new ValidationError(whole, `${whole}: is invalid`);
  throw errorOf(issue, input, whole);
};
