// Around each invocation: its Lambda context on every log line it writes (the keys the README's
// Logs Insights queries read), cold_start true only on the first, nothing left on lines after it,
// and the metrics it recorded flushed as one EMF blob, also when it fails.
import middy from '@middy/core';
import { type Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { captureOutput, logLines } from '../../support/captured-output';

const contextOf = (requestId: string): Context =>
  ({
    awsRequestId: requestId,
    functionName: 'session-expiry-expire',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:session-expiry-expire',
    memoryLimitInMB: '512',
  }) as Context;

const handlerWith = async (body: (fail: boolean) => void) => {
  const { observabilityMiddlewares } = await import('../../../lambdas/handlers/observability-middleware');
  return middy<{ fail: boolean }, string>()
    .use(observabilityMiddlewares())
    .handler(({ fail }) => {
      body(fail);
      if (fail) throw new Error('boom');
      return Promise.resolve('ok');
    });
};

describe('observability middleware', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('puts the invocation on its lines, cold_start only on the first, and clears it after', async () => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
    const { log } = await import('../../../lambdas/adapters/observability/lambda-observability');
    const handler = await handlerWith(() => log.info('working'));
    const output: string[] = [];

    await captureOutput(output, async () => {
      await handler({ fail: false }, contextOf('req-1'));
      await handler({ fail: false }, contextOf('req-2'));
      log.info('between invocations');
    });

    const lines = logLines(output);
    expect(lines).toEqual([
      expect.objectContaining({ message: 'working', function_request_id: 'req-1', cold_start: true, function_name: 'session-expiry-expire', function_memory_size: 512 }),
      expect.objectContaining({ message: 'working', function_request_id: 'req-2', cold_start: false }),
      expect.not.objectContaining({ function_request_id: expect.anything() as unknown }),
    ]);
  });

  it('says no cold start on a provisioned environment', async () => {
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'provisioned-concurrency');
    const { log } = await import('../../../lambdas/adapters/observability/lambda-observability');
    const handler = await handlerWith(() => log.warn('working'));
    const output: string[] = [];

    await captureOutput(output, () => handler({ fail: false }, contextOf('req-1')));

    expect(logLines(output)[0]).toMatchObject({ cold_start: false });
  });

  it('flushes the recorded metrics once at the end, also when the invocation fails', async () => {
    const { metricsPort } = await import('../../../lambdas/adapters/observability/lambda-observability');
    const handler = await handlerWith(() => {
      metricsPort.count('SessionsCreated');
      metricsPort.count('SweepFailures');
    });
    const output: string[] = [];

    await captureOutput(output, async () => {
      await handler({ fail: false }, contextOf('req-1'));
      await expect(handler({ fail: true }, contextOf('req-2'))).rejects.toThrow('boom');
    });

    const blobs = logLines(output).filter((line) => '_aws' in line);
    expect(blobs).toEqual([
      expect.objectContaining({ SessionsCreated: 1, SweepFailures: 1 }),
      expect.objectContaining({ SessionsCreated: 1, SweepFailures: 1 }),
    ]);
  });
});
