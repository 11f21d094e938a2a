// Reads the request body once: size limit first (measured on the bytes, after base64 decoding, so
// a huge body is refused before any parsing), then JSON. Routes read the result from the scope.
import { type MiddlewareObj } from '@middy/core';
import { ValidationError } from '../../domain/errors';
import { type ApiEvent, type ApiResult } from './api-event';
import { MAX_BODY_BYTES, PayloadTooLargeError } from './http-errors';
import { scopeOf } from './request-scope';

const decode = (event: ApiEvent): string | undefined => {
  const raw = event.body;
  if (raw === undefined || raw === null || raw === '') return undefined;
  // base64 is 4/3 of the bytes it carries: a cheap early refusal before decoding anything huge.
  const limit = event.isBase64Encoded ? Math.ceil((MAX_BODY_BYTES * 4) / 3) + 4 : MAX_BODY_BYTES;
  if (raw.length > limit) throw new PayloadTooLargeError();
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) throw new PayloadTooLargeError();
  return bytes.toString('utf8');
};

export const jsonBodyMiddleware = (): MiddlewareObj<ApiEvent, ApiResult> => ({
  before: (request) => {
    const text = decode(request.event);
    if (text === undefined || text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      // The parser's message quotes the input; say only what is wrong.
      throw new ValidationError('body', 'body: must be valid JSON');
    }
    scopeOf(request.event).body = { present: true, value };
  },
});
