// The local start queue: starts handed over in order, no faster than the configured rate after its
// burst, a failed delivery redelivered and, after maxReceives, dead-lettered (logged).
import { type SQSBatchResponse, type SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessStartQueue } from '../../../local/adapters/in-process-start-queue';
import { RecordingLog } from '../../support/fakes';
import { waitFor } from '../../support/wait-for';

const request = (n: number) => ({ sessionId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, activityToken: 't', attempt: 1 });

let queue: InProcessStartQueue | undefined;
afterEach(async () => {
  await queue?.close();
});

describe('InProcessStartQueue', () => {
  it('hands starts over in order, the burst at once and then at the rate, and says where a waiting one stands', async () => {
    const delivered: { id: string; at: number }[] = [];
    const deliver = (event: SQSEvent): Promise<SQSBatchResponse> => {
      for (const r of event.Records) delivered.push({ id: (JSON.parse(r.body) as { sessionId: string }).sessionId, at: Date.now() });
      return Promise.resolve({ batchItemFailures: [] });
    };
    queue = new InProcessStartQueue({ deliver, log: new RecordingLog(), rate: { ratePerSecond: 20, burst: 3 } });
    const began = Date.now();
    for (let n = 0; n < 7; n++) await queue.enqueue(request(n));
    expect(queue.standingOf(request(6).sessionId)).toMatchObject({ queuePosition: expect.any(Number) as number });

    await waitFor(() => delivered.length === 7, { timeoutMs: 5000, what: 'seven deliveries' });
    expect(delivered.map((d) => d.id)).toEqual([0, 1, 2, 3, 4, 5, 6].map((n) => request(n).sessionId));
    // Four beyond the burst of three at 20/s: at least ~200 ms.
    expect((delivered[6]?.at ?? 0) - began).toBeGreaterThanOrEqual(150);
    expect(queue.standingOf(request(6).sessionId)).toBeUndefined();
  });

  it('redelivers a failed delivery, then logs it as a dead letter', async () => {
    let receives = 0;
    const log = new RecordingLog();
    queue = new InProcessStartQueue({
      deliver: (event) => {
        receives++;
        return Promise.resolve({ batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) });
      },
      log,
      rate: { ratePerSecond: 100, burst: 10 },
      visibilityTimeoutMs: 10,
      maxReceives: 3,
    });
    await queue.enqueue(request(1));

    await waitFor(() => log.at('error').some((line) => line.includes('dead letter')), { timeoutMs: 3000, what: 'the dead letter' });
    expect(receives).toBe(3);
  });
});
