// The opaque `nextToken` of a list: a DynamoDB ExclusiveStartKey as base64url JSON. Tokens come
// back from clients, so decoding checks the shape strictly and never echoes the input in errors.
import { ValidationError } from '../../domain/errors';

export type PageKey = Record<string, string | number>;

const MAX_TOKEN_LENGTH = 2048;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export const encodePageToken = (key: PageKey): string => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

const invalid = (): ValidationError => new ValidationError('nextToken', 'nextToken is not a token this API issued');

/** Decodes a token whose key must hold exactly `attributes` (strings or numbers); ValidationError otherwise. */
export const decodePageToken = (token: string, attributes: readonly string[]): PageKey => {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !BASE64URL.test(token)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid();
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length !== attributes.length) throw invalid();
  const key: PageKey = {};
  for (const attribute of attributes) {
    const value = (parsed as Record<string, unknown>)[attribute];
    if ((typeof value === 'string' && value.length > 0) || (typeof value === 'number' && Number.isFinite(value))) {
      key[attribute] = value;
    } else {
      throw invalid();
    }
  }
  return key;
};
