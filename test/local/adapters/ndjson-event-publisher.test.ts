import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NdjsonEventPublisher } from '../../../local/adapters/ndjson-event-publisher';
import { type Log, silentLog } from '../../../lambdas/ports/observability';

describe('NdjsonEventPublisher', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'events-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends one JSON line per event, EventBridge-shaped, and logs a summary of each', async () => {
    const lines: string[] = [];
    const log: Log = { ...silentLog, info: (message) => lines.push(message) };
    const path = join(dir, 'nested', 'events.ndjson');
    const publisher = new NdjsonEventPublisher(path, log, { now: () => Date.parse('2030-01-01T00:00:00Z') });

    await publisher.publish([
      { type: 'Session Created', detail: { sessionId: 's1', ownerId: 'alice', profile: 'demo', expiresAt: '2030-01-01T00:15:00.000Z' } },
    ]);
    await publisher.publish([
      { type: 'Session Ended', detail: { sessionId: 's1', ownerId: 'alice', reason: 'idle_timeout', endedAt: '2030-01-01T00:15:01.000Z' } },
    ]);

    const written = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(written).toEqual([
      expect.objectContaining({ 'detail-type': 'Session Created', source: 'session-expiry', time: '2030-01-01T00:00:00.000Z' }),
      expect.objectContaining({ 'detail-type': 'Session Ended', detail: expect.objectContaining({ reason: 'idle_timeout' }) as unknown }),
    ]);
    expect(lines).toEqual(['event: session s1 created (owner alice, profile demo)', 'event: session s1 ended (idle_timeout)']);
  });
});
