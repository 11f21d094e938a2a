// The resources that hold data: the Sessions, Idempotency and Workspaces tables, built from the same definitions
// the local stack uses. Kept apart from everything else (RETAIN, PITR) so the stateless stack can be
// destroyed and redeployed freely.
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { type Construct } from 'constructs';
import {
  IDEMPOTENCY_TABLE,
  type KeyAttribute,
  SESSIONS_TABLE,
  type TableDefinition,
  WORKSPACES_TABLE,
} from '../../contract/table-definitions';

/** A table together with the definition it was made from (its index names scope IAM grants). */
export interface DefinedTable {
  table: Table;
  definition: TableDefinition;
}

const attribute = (key: KeyAttribute) => ({ name: key.name, type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER });

/** A DynamoDB table exactly as the definition says, plus what only AWS has: TTL, PITR, encryption, RETAIN. */
export const tableFromDefinition = (scope: Construct, id: string, definition: TableDefinition): Table => {
  const table = new Table(scope, id, {
    partitionKey: attribute(definition.partitionKey),
    ...(definition.sortKey && { sortKey: attribute(definition.sortKey) }),
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: TableEncryption.AWS_MANAGED,
    timeToLiveAttribute: definition.timeToLiveAttribute,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  for (const index of definition.globalSecondaryIndexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: attribute(index.partitionKey),
      ...(index.sortKey && { sortKey: attribute(index.sortKey) }),
      projectionType: ProjectionType.ALL,
    });
  }
  return table;
};

export class StatefulStack extends Stack {
  readonly sessions: DefinedTable;
  readonly idempotency: DefinedTable;
  /** Made whether or not a profile has a workspace: a workspace outlives its profile's `workspace` key (README "Workspaces"). */
  readonly workspaces: DefinedTable;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.sessions = { table: tableFromDefinition(this, 'Sessions', SESSIONS_TABLE), definition: SESSIONS_TABLE };
    this.idempotency = { table: tableFromDefinition(this, 'Idempotency', IDEMPOTENCY_TABLE), definition: IDEMPOTENCY_TABLE };
    this.workspaces = { table: tableFromDefinition(this, 'Workspaces', WORKSPACES_TABLE), definition: WORKSPACES_TABLE };
    new CfnOutput(this, 'SessionsTableName', { value: this.sessions.table.tableName });
    new CfnOutput(this, 'IdempotencyTableName', { value: this.idempotency.table.tableName });
    new CfnOutput(this, 'WorkspacesTableName', { value: this.workspaces.table.tableName });
  }
}
