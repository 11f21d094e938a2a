// A local Amazon EventBridge for SDK v3 clients (AWS JSON 1.1): PutEvents onto the buses it is
// given (plus `default`). As on AWS, a bad entry does not fail the call: it comes back with an
// ErrorCode and counts in FailedEntryCount (unknown bus, missing Source/DetailType, Detail that is
// not a JSON object). Accepted entries are kept in `events` for the test to read.
import { randomUUID } from 'node:crypto';
import { type HttpFake, type RecordedCall, startJsonRpcFake } from './http-fake';

export interface EventBridgeFakeOptions {
  region: string;
  accountId: string;
  /** Event bus names that exist besides `default`. */
  buses: string[];
}

export interface PutEntry {
  EventBusName?: string;
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
}

export interface AcceptedEvent {
  eventBusName: string;
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
}

export interface EventBridgeFake extends HttpFake {
  calls: RecordedCall[];
  events: AcceptedEvent[];
}

export const startEventBridgeFake = async (options: EventBridgeFakeOptions): Promise<EventBridgeFake> => {
  const calls: RecordedCall[] = [];
  const events: AcceptedEvent[] = [];
  const buses = new Set(['default', ...options.buses]);
  const busOf = (given: string | undefined): string | undefined => {
    const name = given === undefined || given === '' ? 'default' : given.slice(given.lastIndexOf('/') + 1);
    return buses.has(name) ? name : undefined;
  };
  const accept = (entry: PutEntry): { EventId: string } | { ErrorCode: string; ErrorMessage: string } => {
    const bus = busOf(entry.EventBusName);
    if (bus === undefined) return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${String(entry.EventBusName)} does not exist.` };
    if (!entry.Source || !entry.DetailType) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameters Source and DetailType are required.' };
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail ?? '');
    } catch {
      detail = undefined;
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    events.push({ eventBusName: bus, source: entry.Source, detailType: entry.DetailType, detail: detail as Record<string, unknown> });
    return { EventId: randomUUID() };
  };
  const server = await startJsonRpcFake(
    'AWSEvents',
    '1.1',
    {
      PutEvents: (input) => {
        const entries = ((input['Entries'] as PutEntry[] | undefined) ?? []).map(accept);
        return { FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length, Entries: entries };
      },
    },
    calls,
  );
  return { ...server, calls, events };
};
