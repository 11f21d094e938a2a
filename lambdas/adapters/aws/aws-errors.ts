// One place that reads AWS SDK v3 errors, so every adapter answers the same way: a dependency that
// throttles or fails on its side becomes UnavailableError (the caller may retry later; the API says
// 503), "the thing is not there" is recognised by name (or, for ECS, by message), everything else
// is rethrown untouched. The SDK has already retried throttling by the time we see it.
import { UnavailableError } from '../../domain/errors';

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: { throttling?: unknown };
}

const shapeOf = (error: unknown): SdkErrorShape => (typeof error === 'object' && error !== null ? error : {});

/** The service's error code (`ThrottlingException`, ...), or undefined for non-errors. */
export const errorName = (error: unknown): string | undefined => {
  const { name } = shapeOf(error);
  return typeof name === 'string' ? name : undefined;
};

const messageOf = (error: unknown): string => {
  const { message } = shapeOf(error);
  return typeof message === 'string' ? message : '';
};

// Throttling codes across the services we call (ECS has no modelled class for it; the SDK throws
// a plain service exception named ThrottlingException).
const THROTTLING = new Set([
  'ThrottlingException',
  'ThrottledException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException', // DynamoDB
]);

// Server-side failures and quotas: not the caller's fault, and nothing the caller can fix now.
const UNAVAILABLE = new Set([
  'ServerException', // ECS
  'InternalServerException', // Scheduler
  'InternalException', // EventBridge
  'InternalFailure',
  'InternalServerError', // DynamoDB
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ServiceQuotaExceededException', // Scheduler: schedule quota reached
  'LimitExceededException', // ECS / EventBridge resource limits
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

export const isThrottling = (error: unknown): boolean => {
  const shape = shapeOf(error);
  return THROTTLING.has(errorName(error) ?? '') || shape.$retryable?.throttling === true;
};

/** Throttling, a server-side fault, a quota, or the network: retrying later may work. */
export const isUnavailable = (error: unknown): boolean => {
  const shape = shapeOf(error);
  const name = errorName(error) ?? '';
  return (
    isThrottling(error) ||
    UNAVAILABLE.has(name) ||
    shape.$fault === 'server' ||
    (typeof shape.code === 'string' && NETWORK_CODES.has(shape.code))
  );
};

/** Scheduler and EventBridge: the named resource does not exist. */
export const isResourceNotFound = (error: unknown): boolean => errorName(error) === 'ResourceNotFoundException';

/** Scheduler: a schedule with that name already exists. */
export const isConflict = (error: unknown): boolean => errorName(error) === 'ConflictException';

/**
 * ECS StopTask on a task that is gone or already stopped. ECS reports it as a parameter error,
 * e.g. "InvalidParameterException: The referenced task was not found", so only the message tells
 * it apart from a real mistake (such as a malformed task identifier).
 */
export const isEcsTaskGone = (error: unknown): boolean => {
  const name = errorName(error);
  if (name !== 'InvalidParameterException' && name !== 'ClientException') return false;
  return /not found|already (been )?stopped|is stopped|has stopped/i.test(messageOf(error));
};

/** Wraps a throttling or server-side error in UnavailableError (original kept as `cause`); otherwise returns it as is. */
export const classifyAwsError = (error: unknown, operation: string): unknown =>
  isUnavailable(error) ? new UnavailableError(`${operation} is unavailable (${errorName(error) ?? 'unknown error'})`, error) : error;

/** For `catch` blocks: throws the classified error. */
export const rethrowAwsError = (error: unknown, operation: string): never => {
  throw classifyAwsError(error, operation);
};
