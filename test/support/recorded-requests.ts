// A DynamoDB document client on a dynalite handle that records every request it sends (command,
// table or index, items returned), so a test can say what a use case read: how many Queries, on
// which index, whether anything scanned the table. Its own base client, so the recording middleware
// never lands on the handle's shared client.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type DynaliteHandle } from './dynalite';

export interface RecordedRequest {
  /** The DynamoDB operation, e.g. `QueryCommand`, `ScanCommand`, `GetItemCommand`. */
  command: string;
  indexName?: string;
  /** Items (Query, Scan) or the item (Get) the answer held. */
  itemsReturned: number;
  /** The `status` attribute of each item returned. */
  statuses: unknown[];
}

export interface RecordingClient {
  doc: DynamoDBDocumentClient;
  requests: RecordedRequest[];
  destroy(): void;
}

type Answer = { Items?: Record<string, unknown>[]; Item?: Record<string, unknown> };

export const recordingClient = (db: DynaliteHandle): RecordingClient => {
  const client = new DynamoDBClient({ endpoint: db.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const doc = DynamoDBDocumentClient.from(client);
  const requests: RecordedRequest[] = [];
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const input = args.input as { IndexName?: string };
      const answer = result.output as Answer;
      const items = answer.Items ?? (answer.Item ? [answer.Item] : []);
      requests.push({
        command: String(context.commandName),
        ...(input.IndexName !== undefined && { indexName: input.IndexName }),
        itemsReturned: items.length,
        statuses: items.map((item) => item.status),
      });
      return result;
    },
    // After the document client has turned the answer back into plain values.
    { step: 'initialize', name: 'recordRequests' },
  );
  return {
    doc,
    requests,
    destroy: () => {
      doc.destroy();
      client.destroy();
    },
  };
};
