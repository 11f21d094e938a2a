// End to end: a task whose session record vanished is an orphan; the sweep stops it and says so.
import { DeleteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SessionView, type SweepReport } from '../../contract/wire';
import { SLEEPER_PROFILE, type TestStack, bootLocalStack } from '../support/local-stack';
import { pidExists, waitFor } from '../support/wait-for';

let env: TestStack;

beforeAll(async () => {
  // Only the sweep this test asks for runs (besides the one at start), so its report is ours to read.
  env = await bootLocalStack({ sweepIntervalSeconds: 3600 });
});

afterAll(async () => {
  await env?.cleanup();
});

describe('local stack sweep', () => {
  it('stops the task of a session whose record was deleted, and reports it as an orphan', async () => {
    const { body } = await env.api<{ session: SessionView }>('POST', '/sessions', { body: { profile: SLEEPER_PROFILE } });
    const id = body.session.id;
    const pid = await env.taskPid(id);
    const dynamodb = new DynamoDBClient({
      endpoint: env.stack.dynamodbEndpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      await dynamodb.send(new DeleteItemCommand({ TableName: env.stack.tables.sessions, Key: { sessionId: { S: id } } }));
    } finally {
      dynamodb.destroy();
    }

    const sweep = await env.api<SweepReport>('POST', '/sweep', { token: await env.token('ops', { admin: true }), body: {} });

    expect(sweep.status).toBe(200);
    expect(sweep.body.orphans).toEqual([expect.objectContaining({ sessionId: id, action: 'stop_orphan' })]);
    expect(sweep.body.failures).toEqual([]);
    await waitFor(() => !pidExists(pid), { timeoutMs: 10_000, what: 'the orphan task to exit' });
  });

  it('refuses the sweep to non-admins', async () => {
    const sweep = await env.api('POST', '/sweep', { body: { dryRun: true } });

    expect(sweep.status).toBe(404);
  });
});
