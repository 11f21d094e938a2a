// Measures what DynamoDB reads cost without touching the code that reads: a client middleware asks
// for ReturnConsumedCapacity=TOTAL on every Query and Scan and records, per request, the items
// read (ScannedCount), the items returned (Count) and the capacity units consumed. The store under
// test runs its real queries, unmodified, on a client that carries this middleware.
import { type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const METERED = new Set(['QueryCommand', 'ScanCommand']);

export interface MeteredRequest {
  command: string;
  scannedCount: number;
  count: number;
  /** Undefined when the service did not report consumed capacity. */
  capacityUnits: number | undefined;
}

export interface MeterTotals {
  requests: number;
  scannedCount: number;
  count: number;
  capacityUnits: number;
  /** False when at least one request came back without ConsumedCapacity. */
  capacityReported: boolean;
}

const asRecord = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};

const numberOr = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);

export class CapacityMeter {
  private requests: MeteredRequest[] = [];

  /** Installs the middleware on a client (the store's document client shares its base client's stack). */
  attach(client: DynamoDBDocumentClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? '';
        if (!METERED.has(command)) return next(args);
        asRecord(args.input)['ReturnConsumedCapacity'] = 'TOTAL';
        const result = await next(args);
        const output = asRecord(result.output);
        const consumed = asRecord(output['ConsumedCapacity']);
        this.requests.push({
          command,
          scannedCount: numberOr(output['ScannedCount'], 0),
          count: numberOr(output['Count'], 0),
          capacityUnits: typeof consumed['CapacityUnits'] === 'number' ? consumed['CapacityUnits'] : undefined,
        });
        return result;
      },
      { step: 'initialize', name: 'benchCapacityMeter', override: true },
    );
  }

  reset(): void {
    this.requests = [];
  }

  get recorded(): readonly MeteredRequest[] {
    return this.requests;
  }

  totals(): MeterTotals {
    return {
      requests: this.requests.length,
      scannedCount: this.requests.reduce((sum, r) => sum + r.scannedCount, 0),
      count: this.requests.reduce((sum, r) => sum + r.count, 0),
      capacityUnits: this.requests.reduce((sum, r) => sum + (r.capacityUnits ?? 0), 0),
      capacityReported: this.requests.every((r) => r.capacityUnits !== undefined),
    };
  }
}
