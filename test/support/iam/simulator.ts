// One IAM authorization decision, made by a real policy evaluator (@cloud-copilot/iam-simulate:
// identity and resource policies, every condition operator, same- and cross-account rules) rather
// than by matching strings ourselves. A request the evaluator finds malformed (an action that does
// not exist, a resource of the wrong type for the action, a bad policy) throws: a typo in a grant or
// a probe must not pass as "Denied".
import { runSimulation } from '@cloud-copilot/iam-simulate';

export interface PolicyDocument {
  Version?: string;
  Statement: unknown[];
}

/** A request as AWS authorizes it: who, what, on which ARN, with the context the service sets. */
export interface IamRequest {
  action: string;
  resource: string;
  /** Condition keys the request carries, e.g. `ecs:cluster`, `iam:PassedToService`, `aws:SourceArn`. */
  context?: Record<string, string | string[]>;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface Principal {
  /** An ARN (an assumed-role session) or a service principal such as `scheduler.amazonaws.com`. */
  principal: string;
  /** Policies attached to the principal (none for a service principal). */
  identityPolicies?: PolicyDocument[];
}

/** The account a resource ARN names (IAM role ARNs have no region but do have the account). */
export const accountOf = (arn: string): string => arn.split(':')[4] ?? '';

export const decide = async (who: Principal, request: IamRequest, resourcePolicy?: PolicyDocument, resourceAccount?: string): Promise<Decision> => {
  const result = await runSimulation(
    {
      request: {
        principal: who.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: resourceAccount ?? (accountOf(request.resource) || accountOf(who.principal)) },
        contextVariables: request.context ?? {},
      },
      identityPolicies: (who.identityPolicies ?? []).map((policy, i) => ({ name: `policy-${i}`, policy: { Version: '2012-10-17', ...policy } })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy !== undefined && { resourcePolicy: { Version: '2012-10-17', ...resourcePolicy } }),
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(`the simulator cannot evaluate ${request.action} on ${request.resource}: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult;
};

/** `Action on Resource [context]`, for test names and failure messages. */
export const describeRequest = (request: IamRequest): string =>
  `${request.action} on ${request.resource}${request.context && Object.keys(request.context).length > 0 ? ` ${JSON.stringify(request.context)}` : ''}`;
