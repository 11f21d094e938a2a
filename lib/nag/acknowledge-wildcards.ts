// cdk-nag 3 acknowledges one IAM5 finding at a time by its exact text (`Resource::<Logical.Arn>:*`),
// which embeds generated logical ids. This aspect computes each policy's findings with cdk-nag's own
// rule and acknowledges those matching a reviewed pattern, each with its reason. A wildcard that
// matches no pattern stays unacknowledged and fails the nag check, so every new one gets reviewed.
// Wildcards must be in-stack: a cross-stack reference resolves differently here than at validation.
import { AspectPriority, Aspects, type IAspect, Validations } from 'aws-cdk-lib';
import { CfnManagedPolicy, CfnPolicy, CfnRole } from 'aws-cdk-lib/aws-iam';
import { rules } from 'cdk-nag';
import { type IConstruct } from 'constructs';

export interface WildcardAcknowledgment {
  /** Matched against the finding, e.g. `Resource::*` or `Resource::arn:<AWS::Partition>:...:task/<Cluster>/*`. */
  finding: RegExp;
  reason: string;
}

const IAM5 = 'AwsSolutions-IAM5';

class AcknowledgeWildcards implements IAspect {
  constructor(private readonly acknowledgments: readonly WildcardAcknowledgment[]) {}

  visit(node: IConstruct): void {
    if (!(node instanceof CfnPolicy || node instanceof CfnManagedPolicy || node instanceof CfnRole)) return;
    const result = rules.iam.IAMNoWildcardPermissions(node);
    if (!Array.isArray(result)) return;
    for (const finding of result) {
      const match = this.acknowledgments.find((a) => a.finding.test(finding));
      if (match) Validations.of(node).acknowledge({ id: `${IAM5}[${finding}]`, reason: match.reason });
    }
  }
}

/** Acknowledges the IAM5 findings under `scope` that match one of the patterns. */
export const acknowledgeWildcards = (scope: IConstruct, acknowledgments: readonly WildcardAcknowledgment[]): void => {
  Aspects.of(scope).add(new AcknowledgeWildcards(acknowledgments), { priority: AspectPriority.READONLY });
};
