// DynamoDB tables created exactly as a template declares them: the AWS::DynamoDB::Table properties
// that CreateTable also takes (keys, attribute definitions, indexes, billing) are passed through
// unchanged; what CreateTable does not take (TTL, point-in-time recovery, encryption, tags) is
// returned for the test to check separately. A property it does not know throws, so a new table
// feature gets a decision instead of being dropped.
import { type CreateTableCommandInput, CreateTableCommand, type DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { type CfnResolver } from './cfn-intrinsics';

const PASSED_THROUGH = ['KeySchema', 'AttributeDefinitions', 'GlobalSecondaryIndexes', 'LocalSecondaryIndexes', 'BillingMode', 'ProvisionedThroughput'];
const NOT_CREATE_TABLE = ['TimeToLiveSpecification', 'PointInTimeRecoverySpecification', 'SSESpecification', 'Tags', 'DeletionProtectionEnabled', 'ContributorInsightsSpecification', 'TableClass'];

export interface CreatedTable {
  stackName: string;
  logicalId: string;
  tableName: string;
  /** The TTL attribute, if the template enables TTL (dynalite has no TTL: check the items instead). */
  timeToLiveAttribute?: string;
  keySchema: { AttributeName: string; KeyType: string }[];
}

/** The CreateTable request for a template's table (named as the resolver names it), and its TTL attribute. */
export const tableFromTemplate = (
  resolver: CfnResolver,
  stackName: string,
  logicalId: string,
): { input: CreateTableCommandInput; timeToLiveAttribute?: string } => {
  const properties = (resolver.resolve(stackName, resolver.resource(stackName, logicalId).Properties ?? {}) ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(properties).filter((k) => k !== 'TableName' && !PASSED_THROUGH.includes(k) && !NOT_CREATE_TABLE.includes(k));
  if (unknown.length > 0) throw new Error(`${logicalId}: table properties without a local equivalent: ${unknown.join(', ')}`);
  const passed = Object.fromEntries(PASSED_THROUGH.filter((k) => properties[k] !== undefined).map((k) => [k, properties[k]]));
  const ttl = properties['TimeToLiveSpecification'] as { AttributeName?: string; Enabled?: boolean } | undefined;
  return {
    input: { ...(passed as Omit<CreateTableCommandInput, 'TableName'>), TableName: resolver.ref(stackName, logicalId) },
    ...(ttl?.Enabled === true && ttl.AttributeName !== undefined && { timeToLiveAttribute: ttl.AttributeName }),
  };
};

export const createTable = async (client: DynamoDBClient, input: CreateTableCommandInput): Promise<void> => {
  await client.send(new CreateTableCommand(input));
  await waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 1 }, { TableName: input.TableName });
};

/** Every AWS::DynamoDB::Table of the templates, created in `client`'s DynamoDB (dynalite). */
export const createTemplateTables = async (client: DynamoDBClient, resolver: CfnResolver): Promise<CreatedTable[]> => {
  const created: CreatedTable[] = [];
  for (const { stackName, logicalId } of resolver.resourcesOfType('AWS::DynamoDB::Table')) {
    const { input, timeToLiveAttribute } = tableFromTemplate(resolver, stackName, logicalId);
    await createTable(client, input);
    created.push({
      stackName,
      logicalId,
      tableName: input.TableName ?? '',
      ...(timeToLiveAttribute !== undefined && { timeToLiveAttribute }),
      keySchema: (input.KeySchema ?? []).map((k) => ({ AttributeName: k.AttributeName ?? '', KeyType: k.KeyType ?? '' })),
    });
  }
  return created;
};
