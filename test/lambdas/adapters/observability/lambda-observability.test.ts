// The metrics port as CloudWatch will see it: the EMF lines written to stdout, read back and checked
// for metric names, units, namespace and dimensions (and never a per-session one), against AWS's EMF
// specification; and the log lines the same module writes.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEmfMetrics } from '../../../../lambdas/adapters/observability/emf-metrics';
import { type Log, type MetricDimensions } from '../../../../lambdas/ports/observability';
import { captureOutput, logLines } from '../../../support/captured-output';

interface EmfBlob {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

/** Runs `act` and returns the EMF blobs written meanwhile, and how many writes stdout and stderr saw. */
const captureEmf = async (act: () => void | Promise<void>): Promise<{ blobs: EmfBlob[]; writes: number }> => {
  const output: string[] = [];
  await captureOutput(output, act);
  return { blobs: logLines(output).filter((line): line is EmfBlob => line['_aws'] !== undefined), writes: output.length };
};

const dimensionNames = (blob: EmfBlob): string[][] => blob._aws.CloudWatchMetrics[0].Dimensions;
const metricNames = (blob: EmfBlob): { Name: string; Unit: string }[] => blob._aws.CloudWatchMetrics[0].Metrics;

describe('lambda observability', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  describe('createEmfMetrics', () => {
    const setUp = () => {
      const emf = createEmfMetrics({ namespace: 'SessionExpiryTest', service: 'session-expiry', write: (line) => process.stdout.write(line), now: () => 1_767_225_600_000 });
      return { port: emf.port, flush: emf.flush };
    };

    it('buffers metrics without dimensions into one EMF blob published with the stored metrics', async () => {
      const { port, flush } = setUp();

      const { blobs } = await captureEmf(() => {
        port.count('SessionsCreated');
        port.count('HeartbeatWrites', 3);
        port.observe('ExpiryLagMs', 1234, 'Milliseconds');
        port.observe('LiveSessions', 42, 'Count');
        flush();
      });

      expect(blobs).toHaveLength(1);
      const [blob] = blobs as [EmfBlob];
      expect(blob._aws.CloudWatchMetrics[0].Namespace).toBe('SessionExpiryTest');
      expect(dimensionNames(blob)).toEqual([['service']]);
      expect(metricNames(blob)).toEqual(
        expect.arrayContaining([
          { Name: 'SessionsCreated', Unit: 'Count' },
          { Name: 'HeartbeatWrites', Unit: 'Count' },
          { Name: 'ExpiryLagMs', Unit: 'Milliseconds' },
          { Name: 'LiveSessions', Unit: 'Count' },
        ]),
      );
      expect(blob).toMatchObject({ service: 'session-expiry', SessionsCreated: 1, HeartbeatWrites: 3, ExpiryLagMs: 1234, LiveSessions: 42 });
      expect(blob._aws.Timestamp).toBe(1_767_225_600_000);
    });

    it('keeps each value of a metric recorded twice, as an EMF array of values', async () => {
      const { port, flush } = setUp();

      const { blobs } = await captureEmf(() => {
        port.count('HeartbeatWrites');
        port.count('HeartbeatWrites', 2);
        flush();
      });

      expect(blobs).toHaveLength(1);
      expect(blobs[0]).toMatchObject({ HeartbeatWrites: [1, 2] });
      expect(metricNames(blobs[0])).toEqual([{ Name: 'HeartbeatWrites', Unit: 'Count' }]);
    });

    it('stays within the EMF limits: the hundred-and-first value of a metric starts a new blob', async () => {
      const { port, flush } = setUp();

      const { blobs } = await captureEmf(() => {
        for (let i = 0; i < 101; i++) port.observe('ExpiryLagMs', i, 'Milliseconds');
        flush();
      });

      expect(blobs.map((b) => b['ExpiryLagMs'])).toEqual([Array.from({ length: 100 }, (_, i) => i), 100]);
    });

    it('emits a metric with dimensions at once, in its own blob, with only those dimensions', async () => {
      const { port, flush } = setUp();

      const { blobs } = await captureEmf(() => {
        port.count('SessionsEnded', 1, { Reason: 'idle_timeout' });
        port.observe('SessionsByActivity', 7, 'Count', { ActivityLevel: 'idle' });
        port.count('SessionsCreated'); // buffered, must not pick up the dimensions above
        flush();
      });

      expect(blobs).toHaveLength(3);
      const [ended, byActivity, created] = blobs as [EmfBlob, EmfBlob, EmfBlob];
      expect(dimensionNames(ended)).toEqual([['service', 'Reason']]);
      expect(ended).toMatchObject({ Reason: 'idle_timeout', SessionsEnded: 1 });
      expect(metricNames(ended)).toEqual([{ Name: 'SessionsEnded', Unit: 'Count' }]);
      expect(dimensionNames(byActivity)).toEqual([['service', 'ActivityLevel']]);
      expect(byActivity).toMatchObject({ ActivityLevel: 'idle', SessionsByActivity: 7 });
      expect(dimensionNames(created)).toEqual([['service']]);
      expect(created).not.toHaveProperty('Reason');
    });

    it('never emits a session (or any unlisted) dimension, even from a caller that gets past the type', async () => {
      const { port, flush } = setUp();
      const sneaky = { Reason: 'terminated', SessionId: 'b1f0c6a2-0000-4000-8000-000000000000', OwnerId: 'alice' } as MetricDimensions;

      const { blobs } = await captureEmf(() => {
        port.count('SessionsEnded', 1, sneaky);
        port.count('OrphansStopped', 1, { SessionId: 'x' } as MetricDimensions);
        flush();
      });

      expect(blobs).toHaveLength(2);
      for (const blob of blobs) {
        expect(dimensionNames(blob).flat()).not.toContain('SessionId');
        expect(dimensionNames(blob).flat()).not.toContain('OwnerId');
        expect(blob).not.toHaveProperty('SessionId');
      }
      expect(dimensionNames(blobs[0])).toEqual([['service', 'Reason']]);
      expect(dimensionNames(blobs[1])).toEqual([['service']]);
    });
    it('flushes the buffered blob once, and writes nothing (not even a warning) when only dimensioned metrics were recorded', async () => {
      const { port, flush } = setUp();

      const first = await captureEmf(() => {
        port.count('SessionsCreated');
        flush();
        flush();
      });
      const second = await captureEmf(() => {
        port.count('SessionsEnded', 1, { Reason: 'terminated' });
      });
      const third = await captureEmf(() => flush());

      expect(first.blobs.map((b) => metricNames(b))).toEqual([[{ Name: 'SessionsCreated', Unit: 'Count' }]]);
      expect(second.blobs).toHaveLength(1);
      expect(third.writes).toBe(0);
    });
  });

  describe('module singletons', () => {
    it('take the service name and namespace from the environment', async () => {
      vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'expiry-test');
      vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'ExpiryTestNs');
      const mod = await import('../../../../lambdas/adapters/observability/lambda-observability');

      const { blobs } = await captureEmf(() => {
        mod.metricsPort.count('SweepRepairs', 2, { Kind: 'orphans' });
        mod.metricsPort.count('SweepFailures', 1);
        mod.flushMetrics();
      });

      expect(blobs.map((b) => b._aws.CloudWatchMetrics[0].Namespace)).toEqual(['ExpiryTestNs', 'ExpiryTestNs']);
      expect(blobs.map((b) => b.service)).toEqual(['expiry-test', 'expiry-test']);
      expect(blobs[0]).toMatchObject({ Kind: 'orphans', SweepRepairs: 2 });
      expect(blobs[1]).toMatchObject({ SweepFailures: 1 });
    });

    it('default to session-expiry / SessionExpiry', async () => {
      vi.stubEnv('POWERTOOLS_SERVICE_NAME', undefined);
      vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', undefined);
      const mod = await import('../../../../lambdas/adapters/observability/lambda-observability');

      const { blobs } = await captureEmf(() => {
        mod.metricsPort.count('StaleFires');
        mod.flushMetrics();
      });

      expect(blobs[0]?._aws.CloudWatchMetrics[0]?.Namespace).toBe('SessionExpiry');
      expect(blobs[0]?.service).toBe('session-expiry');
    });

    it('write nothing when imported', async () => {
      vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', undefined);

      const { writes } = await captureEmf(async () => {
        await import('../../../../lambdas/adapters/observability/lambda-observability');
      });

      expect(writes).toBe(0);
    });

    it('give a Log port that writes structured JSON lines with the extra keys', async () => {
      vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'expiry-test');
      vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
      const mod = await import('../../../../lambdas/adapters/observability/lambda-observability');
      const log: Log = mod.log;
      const output: string[] = [];

      await captureOutput(output, () => {
        log.info('session expired', { sessionId: 's-1', reason: 'idle_timeout' });
        log.warn('no extra');
        log.debug('below the level');
      });

      const lines = logLines(output);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatchObject({ level: 'INFO', message: 'session expired', service: 'expiry-test', sessionId: 's-1', reason: 'idle_timeout' });
      expect(lines[1]).toMatchObject({ level: 'WARN', message: 'no extra' });
    });
  });
});
