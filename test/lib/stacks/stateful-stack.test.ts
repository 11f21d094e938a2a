// The tables as deployed: keys, indexes and TTL exactly as the shared definitions say (the local
// stack creates its tables from the same module), with PITR, encryption and RETAIN.
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_TABLE, SESSIONS_TABLE, WORKSPACES_TABLE } from '../../../contract/table-definitions';
import { StatefulStack } from '../../../lib/stacks/stateful-stack';
import { tempOutdir } from '../../support/synth-app';

describe('StatefulStack', () => {
  let template: Template;
  const { outdir, cleanup } = tempOutdir();

  beforeAll(() => {
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    template = Template.fromStack(new StatefulStack(app, 'Stateful'));
  });
  afterAll(cleanup);

  const tableWithKey = (name: string) =>
    Object.values(template.findResources('AWS::DynamoDB::Table')).find((t) =>
      JSON.stringify((t as { Properties: { KeySchema: unknown } }).Properties.KeySchema).includes(`"${name}"`),
    ) as { Properties: Record<string, unknown>; DeletionPolicy: string; UpdateReplacePolicy: string } | undefined;

  it('makes the Sessions table with its key, the byOwner and byDeadline indexes and the purgeAt TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'sessionId', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'purgeAt', Enabled: true },
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({
          IndexName: 'byOwner',
          KeySchema: [
            { AttributeName: 'ownerId', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        }),
        Match.objectLike({
          IndexName: 'byDeadline',
          KeySchema: [
            { AttributeName: 'liveShard', KeyType: 'HASH' },
            { AttributeName: 'expiresAtEpoch', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        }),
      ]),
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'liveShard', AttributeType: 'S' },
        { AttributeName: 'expiresAtEpoch', AttributeType: 'N' },
      ]),
    });
  });

  it('makes the Idempotency table keyed by id with the expiration TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
  });

  it('follows the shared table definitions for every index', () => {
    const sessions = tableWithKey(SESSIONS_TABLE.partitionKey.name);
    const indexNames = (sessions?.Properties['GlobalSecondaryIndexes'] as { IndexName: string }[]).map((i) => i.IndexName);
    expect(indexNames.sort()).toEqual(SESSIONS_TABLE.globalSecondaryIndexes.map((i) => i.indexName).sort());
    expect(tableWithKey(IDEMPOTENCY_TABLE.partitionKey.name)?.Properties['GlobalSecondaryIndexes']).toBeUndefined();
  });

  it('makes the Workspaces table keyed by owner and profile, with the purgeAt TTL and no index', () => {
    const workspaces = tableWithKey(WORKSPACES_TABLE.partitionKey.name);
    expect(workspaces?.Properties['KeySchema']).toEqual([
      { AttributeName: 'ownerId', KeyType: 'HASH' },
      { AttributeName: 'profile', KeyType: 'RANGE' },
    ]);
    expect(workspaces?.Properties['TimeToLiveSpecification']).toEqual({ AttributeName: 'purgeAt', Enabled: true });
    expect(workspaces?.Properties['GlobalSecondaryIndexes']).toBeUndefined();
  });

  it('keeps every table (RETAIN), with point-in-time recovery and AWS-managed encryption', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 3);
    for (const name of [SESSIONS_TABLE.partitionKey.name, IDEMPOTENCY_TABLE.partitionKey.name, WORKSPACES_TABLE.partitionKey.name]) {
      const table = tableWithKey(name);
      expect(table?.DeletionPolicy).toBe('Retain');
      expect(table?.UpdateReplacePolicy).toBe('Retain');
      expect(table?.Properties['PointInTimeRecoverySpecification']).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table?.Properties['SSESpecification']).toEqual({ SSEEnabled: true });
    }
  });

  it('outputs every table name', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(['IdempotencyTableName', 'SessionsTableName', 'WorkspacesTableName']);
  });
});
