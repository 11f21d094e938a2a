// Throttling as the AWS SDKs really throw it (their own exception classes), for tests of how the
// adapters and use cases read AWS errors through aws-sdk-client-mock.
import { ECSServiceException } from '@aws-sdk/client-ecs';
import { ThrottlingException } from '@aws-sdk/client-scheduler';

/** What ECS throws when throttling: it has no modelled class for it, only its service exception. */
export const ecsThrottling = (): ECSServiceException =>
  new ECSServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: {}, message: 'Rate exceeded' });

/** Scheduler's modelled errors carry the message twice (`message` and the service's `Message`). */
export const schedulerThrottling = (): ThrottlingException =>
  new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} });
