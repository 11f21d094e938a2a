// The opaque `nextToken` of a list: where to resume, bound to the listing it came from. Tokens come
// back from clients, so decoding checks everything and answers a ValidationError (400) for any token
// this API did not issue for this very listing; never an error DynamoDB would raise (a 500), and
// never the input echoed. The binding (`scope`: the owner and the filter) travels as a digest, so a
// token names no owner, and one owner's token, or a token of another filter, is refused.
import { createHash } from 'node:crypto';
import { ValidationError } from '../../domain/errors';

export type PageKey = Record<string, string | number>;

/** What each attribute of a resume key must look like: a DynamoDB key value we could have written. */
export type KeyShape = Readonly<Record<string, RegExp | 'integer'>>;

const VERSION = 1;
const MAX_TOKEN_LENGTH = 2048;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** 96 bits of SHA-256: enough that no token of another scope matches by chance. */
const digestOf = (scope: string): string => createHash('sha256').update(scope, 'utf8').digest('base64url').slice(0, 16);

interface TokenBody {
  v: number;
  s: string;
  k: PageKey;
}

export const encodePageToken = (key: PageKey, scope: string): string => {
  const body: TokenBody = { v: VERSION, s: digestOf(scope), k: key };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
};

const invalid = (): ValidationError => new ValidationError('nextToken', 'nextToken is not a token this API issued for this listing');

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const fits = (value: unknown, shape: RegExp | 'integer'): value is string | number =>
  shape === 'integer' ? Number.isSafeInteger(value) && (value as number) >= 0 : typeof value === 'string' && shape.test(value);

/** The resume key of a token issued for `scope`, whose attributes are exactly those of `shape`; ValidationError otherwise. */
export const decodePageToken = (token: string, shape: KeyShape, scope: string): PageKey => {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !BASE64URL.test(token)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!isRecord(parsed) || Object.keys(parsed).length !== 3 || parsed.v !== VERSION || parsed.s !== digestOf(scope)) throw invalid();
  const key = parsed.k;
  if (!isRecord(key)) throw invalid();
  const attributes = Object.keys(shape);
  if (Object.keys(key).length !== attributes.length) throw invalid();
  const checked: PageKey = {};
  for (const attribute of attributes) {
    const value = Object.hasOwn(key, attribute) ? key[attribute] : undefined;
    const attributeShape = shape[attribute];
    if (attributeShape === undefined || !fits(value, attributeShape)) throw invalid();
    checked[attribute] = value;
  }
  return checked;
};
