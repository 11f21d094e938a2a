// What the safety net reads. Our sweep finds overdue sessions with one Query per `byDeadline` shard
// (a sparse index holding live sessions only, sorted by deadline), so it reads the overdue items and
// nothing else. A cron-based reaper without such an index scans the whole table and filters, so it
// pays for every item ever kept as history. Same 20,000-session table, same answer, both measured.
import { BatchWriteCommand, type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { DynamoDbSessionStore } from '../../lambdas/adapters/dynamodb/dynamodb-session-store';
import { toItem, type Item, type ItemSettings } from '../../lambdas/adapters/dynamodb/session-item';
import { SESSION_ATTRIBUTES } from '../../contract/table-definitions';
import { LIVE_STATUSES, type Session, iso } from '../../lambdas/domain/session';
import { startDynalite } from '../../test/support/dynalite';
import { FIXTURE_TIMEOUTS, sessionFixture } from '../../test/support/session-fixture';
import { type BenchCase, type BenchContext, type CaseResult, checkAborted } from '../lib/bench-case';
import { CapacityMeter, type MeterTotals } from '../lib/capacity-meter';
import { median, timed } from '../lib/stats';
import { msText, num, ratioText } from '../lib/table';

const SECOND = 1000;
const DAY = 86_400 * SECOND;
const SETTINGS: ItemSettings = { shardCount: 4, retentionDays: 30 };
const BATCH = 25;
const WRITE_CONCURRENCY = 8;

interface Mix {
  overdue: number;
  liveNotDue: number;
  ended: number;
}

const mixFor = (quick: boolean): Mix => (quick ? { overdue: 20, liveNotDue: 480, ended: 1_500 } : { overdue: 200, liveNotDue: 4_800, ended: 15_000 });

const pick = <T>(values: readonly T[], i: number): T => values[i % values.length];
const between = (lo: number, hi: number): number => lo + Math.random() * (hi - lo);
const ecsArn = (): string => `arn:aws:ecs:eu-west-1:123456789012:task/session-expiry/${randomUUID().replaceAll('-', '')}`;

/** One browser tab connected, as a client names it (a UUID), last seen at its last activity. */
const oneTab = (seenMs: number): Record<string, string> => ({ [randomUUID()]: iso(seenMs) });

/** Sessions as a platform with some history holds them: a few live, most ended and kept for retention. */
const makeSessions = (mix: Mix, nowMs: number): { sessions: Session[]; overdueIds: Set<string> } => {
  const idleMs = FIXTURE_TIMEOUTS.idleTimeoutSeconds * SECOND;
  const sessions: Session[] = [];
  const overdueIds = new Set<string>();
  const common = (i: number) => ({
    ownerId: `user-${String(i % 500).padStart(3, '0')}`,
    profile: pick(['notebook', 'ide', 'lab'], i),
    metadata: { course: pick(['cs-101', 'ml-201', 'db-301'], i), seat: String(i % 60) },
    taskArn: ecsArn(),
  });
  let i = 0;
  for (let n = 0; n < mix.overdue; n++, i++) {
    // Missed by its schedule: idle for longer than the timeout (up to 10 minutes past the deadline).
    const createdAt = nowMs - between(2 * idleMs, 4 * idleMs);
    const lastActivityAt = nowMs - idleMs - between(SECOND, 600 * SECOND);
    const s = sessionFixture({ ...common(i), createdAt: iso(createdAt), lastActivityAt: iso(lastActivityAt), openConnections: oneTab(lastActivityAt) });
    overdueIds.add(s.id);
    sessions.push(s);
  }
  for (let n = 0; n < mix.liveNotDue; n++, i++) {
    const createdAt = nowMs - between(60 * SECOND, 3 * 3600 * SECOND);
    const lastActivityAt = Math.max(createdAt, nowMs - between(0, idleMs - 60 * SECOND));
    sessions.push(sessionFixture({ ...common(i), createdAt: iso(createdAt), lastActivityAt: iso(lastActivityAt), openConnections: oneTab(lastActivityAt) }));
  }
  for (let n = 0; n < mix.ended; n++, i++) {
    const createdAt = nowMs - between(DAY, 29 * DAY);
    const endedAt = createdAt + between(10 * 60 * SECOND, 6 * 3600 * SECOND);
    const failed = n % 50 === 0;
    sessions.push(
      sessionFixture({
        ...common(i),
        status: failed ? 'failed' : 'stopped',
        createdAt: iso(createdAt),
        lastActivityAt: iso(endedAt - idleMs),
        ...(failed ? { startedAt: undefined } : { startedAt: iso(createdAt + 20 * SECOND), stopRequestedAt: iso(endedAt - 5 * SECOND) }),
        endedAt: iso(endedAt),
        endReason: failed ? 'start_failed' : pick(['idle_timeout', 'idle_timeout', 'user_request', 'disconnected', 'max_lifetime'], n),
        openConnections: {},
      }),
    );
  }
  return { sessions, overdueIds };
};

/** BatchWriteItem in chunks of 25, several chunks in flight, retrying unprocessed items. */
const writeAll = async (doc: DynamoDBDocumentClient, table: string, items: readonly Item[], signal: AbortSignal): Promise<void> => {
  const limit = pLimit(WRITE_CONCURRENCY);
  const chunks: Item[][] = [];
  for (let i = 0; i < items.length; i += BATCH) chunks.push(items.slice(i, i + BATCH));
  await Promise.all(
    chunks.map((chunk) =>
      limit(async () => {
        checkAborted(signal);
        let pending = chunk.map((Item) => ({ PutRequest: { Item } }));
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > 10) throw new Error('BatchWriteItem kept returning unprocessed items');
          const { UnprocessedItems } = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
          pending = (UnprocessedItems?.[table] ?? []).flatMap((r) => (r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : []));
        }
      }),
    ),
  );
};

/** A cron-style reaper: Scan everything, keep live sessions whose deadline passed. */
const scanForOverdue = async (doc: DynamoDBDocumentClient, table: string, nowMs: number): Promise<string[]> => {
  const ids: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: `#status IN (${LIVE_STATUSES.map((_, i) => `:s${i}`).join(', ')}) AND #expiresAt <= :now`,
        ExpressionAttributeNames: { '#status': SESSION_ATTRIBUTES.status, '#expiresAt': 'expiresAt' },
        ExpressionAttributeValues: { ...Object.fromEntries(LIVE_STATUSES.map((s, i) => [`:s${i}`, s])), ':now': iso(nowMs) },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) ids.push(item[SESSION_ATTRIBUTES.sessionId] as string);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return ids;
};

interface Measured {
  label: string;
  totals: MeterTotals;
  wallMs: number[];
  found: number;
  matchesExpected: boolean;
}

const sameSet = (ids: readonly string[], expected: ReadonlySet<string>): boolean =>
  ids.length === expected.size && new Set(ids).size === ids.length && ids.every((id) => expected.has(id));

const run = async (ctx: BenchContext): Promise<CaseResult> => {
  const runs = ctx.quick ? 3 : 5;
  const mix = mixFor(ctx.quick);
  const total = mix.overdue + mix.liveNotDue + mix.ended;
  const dynamo = await startDynalite();
  try {
    const meter = new CapacityMeter();
    meter.attach(dynamo.doc);
    const store = new DynamoDbSessionStore({ client: dynamo.doc, tableName: dynamo.tables.sessions, ...SETTINGS });

    const nowMs = Date.now();
    const { sessions, overdueIds } = makeSessions(mix, nowMs);
    const items = sessions.map((s) => toItem(s, SETTINGS));
    const avgItemBytes = Math.round(items.reduce((sum, item) => sum + JSON.stringify(item).length, 0) / items.length);
    ctx.progress(`seeding ${num(total)} sessions into dynalite`);
    const seed = await timed(() => writeAll(dynamo.doc, dynamo.tables.sessions, items, ctx.signal));
    ctx.progress(`seeded in ${msText(seed.ms)} ms`);
    const liveIds = new Set(sessions.filter((s) => LIVE_STATUSES.includes(s.status)).map((s) => s.id));

    const measure = async (label: string, find: () => Promise<string[]>, expected: ReadonlySet<string>): Promise<Measured> => {
      const wallMs: number[] = [];
      let totals: MeterTotals | undefined;
      let found: string[] = [];
      for (let r = 0; r < runs; r++) {
        checkAborted(ctx.signal);
        meter.reset();
        const result = await timed(find);
        wallMs.push(result.ms);
        found = result.value;
        totals = meter.totals();
      }
      if (totals === undefined) throw new Error('no run measured');
      ctx.progress(`${label}: median ${msText(median(wallMs))} ms, ${num(totals.scannedCount)} items read`);
      return { label, totals, wallMs, found: found.length, matchesExpected: sameSet(found, expected) };
    };

    // Sessions are due "now" as of seeding; listDue is given that instant, the scan compares with it.
    const due = await measure('store.listDue(now)  [sweep, byDeadline Query x4 shards]', async () => (await store.listDue(nowMs)).map((s) => s.id), overdueIds);
    const scan = await measure('Scan + FilterExpression  [cron-style reaper]', () => scanForOverdue(dynamo.doc, dynamo.tables.sessions, nowMs), overdueIds);
    const live = await measure('store.listLive()  [sweep, stuck/lost checks]', async () => (await store.listLive()).map((s) => s.id), liveIds);

    if (!due.matchesExpected || !scan.matchesExpected) {
      throw new Error(`the due query found ${due.found} and the scan ${scan.found} sessions; expected the same ${overdueIds.size}`);
    }
    const capacityReported = [due, scan, live].every((m) => m.totals.capacityReported);
    const rcuRatio = scan.totals.capacityUnits / due.totals.capacityUnits;
    const readRatio = scan.totals.scannedCount / due.totals.scannedCount;
    const timeRatio = median(scan.wallMs) / median(due.wallMs);
    const mixText = `${num(total)} sessions: ${num(mix.overdue)} overdue live (${num((mix.overdue / total) * 100, 1)}%), ${num(mix.liveNotDue)} live not yet due, ${num(mix.ended)} ended (history kept ${SETTINGS.retentionDays} days)`;

    return {
      tables: [
        {
          title: `sweep-read-cost: finding the overdue sessions in a ${num(total)}-session table (dynalite)`,
          head: ['read', 'requests', 'items read', 'items returned', 'RCU', 'median ms', 'same sessions'],
          rows: [due, scan, live].map((m) => [
            m.label,
            num(m.totals.requests),
            num(m.totals.scannedCount),
            num(m.totals.count),
            num(m.totals.capacityUnits, 1),
            msText(median(m.wallMs)),
            m.label.startsWith('store.listLive') ? `${m.matchesExpected ? 'yes' : 'NO'} (all live)` : m.matchesExpected ? 'yes' : 'NO',
          ]),
          notes: [
            `Mix: ${mixText}; ~${num(avgItemBytes)} B per item (JSON).`,
            `Scan / due query: ${ratioText(rcuRatio)} the read capacity, ${ratioText(readRatio)} the items read, ${ratioText(timeRatio)} the wall time (median of ${runs}).`,
            capacityReported
              ? 'RCU: ConsumedCapacity (TOTAL) as dynalite reports it, by DynamoDB\'s rule: item sizes per request rounded up to 4 KB, halved for eventually consistent reads; injected by a client middleware, the store\'s queries run unmodified.'
              : 'RCU: some responses carried no ConsumedCapacity; totals count only those that did.',
            'The scan grows with history (every ended session kept for retention); the due query grows only with what is actually overdue.',
            'The sweep also lists live sessions (last row) for its stuck/lost checks: that grows with live sessions, never with history.',
          ],
        },
      ],
      figures: {
        mix: { ...mix, total },
        avgItemJsonBytes: avgItemBytes,
        seedMs: seed.ms,
        runs,
        capacitySource: capacityReported ? 'dynalite ConsumedCapacity (TOTAL)' : 'partially missing',
        dueQuery: { ...due.totals, found: due.found, sameAsExpected: due.matchesExpected, wallMs: due.wallMs, medianMs: median(due.wallMs) },
        scan: { ...scan.totals, found: scan.found, sameAsExpected: scan.matchesExpected, wallMs: scan.wallMs, medianMs: median(scan.wallMs) },
        listLive: { ...live.totals, found: live.found, sameAsExpected: live.matchesExpected, wallMs: live.wallMs, medianMs: median(live.wallMs) },
        ratios: { capacityUnits: rcuRatio, itemsRead: readRatio, wallTime: timeRatio },
        shardCount: SETTINGS.shardCount,
      },
    };
  } finally {
    await dynamo.stop();
  }
};

export const sweepReadCost: BenchCase = {
  name: 'sweep-read-cost',
  title: 'items and read capacity to find overdue sessions: byDeadline query vs full-table scan',
  timeoutMs: 180_000,
  run,
};
