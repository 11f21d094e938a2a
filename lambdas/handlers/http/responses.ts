// Every API answer is JSON built here, so the content type and the error envelope
// `{"error": {"code", "message"}}` are the same on every path.
import { type ErrorBody } from '../../../contract/wire';
import { type ApiResult } from './api-event';

export const JSON_CONTENT_TYPE = 'application/json';

export const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult => ({
  statusCode,
  headers: { 'content-type': JSON_CONTENT_TYPE, ...headers },
  body: JSON.stringify(body),
});

export const errorResponse = (statusCode: number, code: string, message: string, headers: Record<string, string> = {}): ApiResult => {
  const body: ErrorBody = { error: { code, message } };
  return json(statusCode, body, headers);
};
