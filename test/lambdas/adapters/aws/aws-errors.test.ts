// The classification every AWS adapter relies on, with the SDK's real exception classes: what a
// caller may retry (UnavailableError), what means "not there", and what is passed on untouched.
import { ClientException, InvalidParameterException, ServerException } from '@aws-sdk/client-ecs';
import {
  ConflictException,
  InternalServerException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import {
  classifyAwsError,
  isConflict,
  isEcsTaskGone,
  isResourceNotFound,
  isUnavailable,
} from '../../../../lambdas/adapters/aws/aws-errors';
import { UnavailableError } from '../../../../lambdas/domain/errors';
import { ecsThrottling, schedulerThrottling } from '../../../support/aws-exceptions';

const meta = { $metadata: {} };
/** Scheduler exceptions also carry the service's own `Message` field. */
const sched = (message: string) => ({ message, Message: message, $metadata: {} });

describe('aws-errors', () => {
  it.each([
    ['Scheduler throttling', schedulerThrottling()],
    ['ECS throttling (no modelled class)', ecsThrottling()],
    ['ECS server error', new ServerException({ message: 'boom', ...meta })],
    ['Scheduler server error', new InternalServerException(sched('boom'))],
    ['Scheduler quota', new ServiceQuotaExceededException(sched('quota'))],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('wraps %s in UnavailableError with the original as cause', (_case, original) => {
    expect(isUnavailable(original)).toBe(true);

    const classified = classifyAwsError(original, 'Some Call');

    expect(classified).toBeInstanceOf(UnavailableError);
    expect((classified as UnavailableError).cause).toBe(original);
    expect((classified as UnavailableError).message).toContain('Some Call');
  });

  it.each([
    ['a validation error', new ValidationException(sched('bad'))],
    ['a conflict', new ConflictException(sched('exists'))],
    ['a plain error', new Error('bug')],
    ['a non-error', 'oops'],
  ])('passes %s through untouched', (_case, original) => {
    expect(classifyAwsError(original, 'Some Call')).toBe(original);
  });

  it('recognises not-found and conflict by name', () => {
    expect(isResourceNotFound(new ResourceNotFoundException(sched('gone')))).toBe(true);
    expect(isResourceNotFound(new ValidationException(sched('gone')))).toBe(false);
    expect(isConflict(new ConflictException(sched('exists')))).toBe(true);
  });

  it('recognises an ECS task that is gone only from the parameter errors that say so', () => {
    expect(isEcsTaskGone(new InvalidParameterException({ message: 'The referenced task was not found.', ...meta }))).toBe(true);
    expect(isEcsTaskGone(new ClientException({ message: 'The task is already stopped', ...meta }))).toBe(true);
    expect(isEcsTaskGone(new InvalidParameterException({ message: 'Task Identifier is invalid', ...meta }))).toBe(false);
    expect(isEcsTaskGone(new ServerException({ message: 'task not found', ...meta }))).toBe(false);
  });
});
