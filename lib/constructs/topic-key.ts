// The KMS key of an SNS topic an AWS service publishes to (CloudWatch alarms, EventBridge
// notifications): the AWS-managed SNS key refuses service publishers, so each such topic gets a
// customer managed key. The alarm topic and the notification topic share this one recipe.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement, type ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type Construct } from 'constructs';

/**
 * A rotated key that `publisher` may encrypt with, and on which no grant can be made except by AWS
 * services for AWS resources (CT.KMS.PR.3): nothing here needs grants, so a principal that gains
 * CreateGrant cannot hand the key on.
 */
export const topicKey = (scope: Construct, id: string, description: string, publisher: ServicePrincipal): Key => {
  const key = new Key(scope, id, { description, enableKeyRotation: true, removalPolicy: RemovalPolicy.DESTROY, pendingWindow: Duration.days(7) });
  key.addToResourcePolicy(new PolicyStatement({ principals: [publisher], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'] }));
  key.addToResourcePolicy(
    new PolicyStatement({
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    }),
  );
  return key;
};
