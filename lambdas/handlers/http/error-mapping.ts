// THE mapping from named errors to HTTP answers, and the only one. Messages come from our own code
// (they name a field, never echo input); anything unnamed is a 500 whose details stay in the log.
import {
  ConflictError,
  IllegalTransitionError,
  LimitExceededError,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from '../../domain/errors';
import { isUnavailable } from '../../adapters/aws/aws-errors';
import { type ApiResult } from './api-event';
import { MethodNotAllowedError, PayloadTooLargeError } from './http-errors';
import { errorResponse } from './responses';

/** One body for every 404, so a missing session and another user's session look the same. */
export const NOT_FOUND_MESSAGE = 'not found';

/** Shorter values (a "1", an "ok") occur in ordinary messages; they cannot identify anything anyway. */
const MIN_ECHO_CHARS = 3;

export interface MappedError {
  response: ApiResult;
  /** True for a 500: the caller logs it as an error with its details. */
  unexpected: boolean;
}

const expected = (response: ApiResult): MappedError => ({ response, unexpected: false });

/**
 * `inputs` are the values the request carried: a message that contains one is replaced by a
 * generic one. Our messages are written not to echo input; this holds the contract even when one does.
 */
export const mapError = (error: unknown, inputs: readonly string[] = []): MappedError => {
  const echoes = (message: string): boolean => inputs.some((value) => value.length >= MIN_ECHO_CHARS && message.includes(value));
  if (error instanceof ValidationError) {
    const message = validationMessage(error);
    // The leading field name is ours to say; only what follows it could echo input.
    const echoed = echoes(message.slice(error.field.length + 1));
    return expected(errorResponse(400, 'validation_failed', echoed ? `${error.field}: is not valid` : message));
  }
  if (error instanceof UnauthorizedError) return expected(errorResponse(401, 'unauthorized', 'authentication required'));
  if (error instanceof NotFoundError) return expected(errorResponse(404, 'not_found', NOT_FOUND_MESSAGE));
  if (error instanceof MethodNotAllowedError) {
    return expected(errorResponse(405, 'method_not_allowed', error.message, { allow: error.allowed.join(', ') }));
  }
  if (error instanceof IllegalTransitionError) {
    return expected(errorResponse(409, 'conflict', 'the session is not in a state that allows this'));
  }
  if (error instanceof ConflictError) {
    return expected(errorResponse(409, 'conflict', echoes(error.message) ? 'the request conflicts with the current state' : error.message));
  }
  if (error instanceof PayloadTooLargeError) return expected(errorResponse(413, 'payload_too_large', error.message));
  if (error instanceof LimitExceededError) {
    return expected(errorResponse(429, 'limit_exceeded', echoes(error.message) ? 'too many live sessions' : error.message));
  }
  // The cause (an SDK error) stays in the log; the client only learns it may retry. The session
  // store passes DynamoDB's own errors through (its callers tell conditions from failures), so a
  // DynamoDB throttle or server fault is recognised here by its SDK shape.
  if (error instanceof UnavailableError || isUnavailable(error)) {
    return expected(errorResponse(503, 'unavailable', 'the service is temporarily unavailable; try again later'));
  }
  return { response: errorResponse(500, 'internal', 'internal error'), unexpected: true };
};

/** Always lead with the field, so a client can tell which one to fix even from a generic message. */
const validationMessage = (error: ValidationError): string =>
  error.message.startsWith(error.field) ? error.message : `${error.field}: ${error.message}`;
