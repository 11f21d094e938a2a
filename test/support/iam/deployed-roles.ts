// The IAM side of a synthesized app as a deployment would have it: a function's execution role
// (the `Role` of its AWS::Lambda::Function), the identity policies attached to that role (every
// AWS::IAM::Policy naming it, plus its inline policies) and its trust policy, all with intrinsics
// resolved by the one CfnResolver, so ARNs in policies are exactly the ARNs the functions are given.
import { type CfnResolver } from '../cfn-intrinsics';
import { type PolicyDocument, type Principal } from './simulator';

export interface DeployedRole {
  stackName: string;
  logicalId: string;
  name: string;
  arn: string;
  identityPolicies: PolicyDocument[];
  trustPolicy: PolicyDocument;
}

interface RoleProperties {
  AssumeRolePolicyDocument: PolicyDocument;
  Policies?: { PolicyDocument: PolicyDocument }[];
}

export const roleWithLogicalId = (resolver: CfnResolver, stackName: string, logicalId: string): DeployedRole => {
  const name = resolver.ref(stackName, logicalId);
  const properties = resolver.resolve(stackName, resolver.resource(stackName, logicalId).Properties ?? {}) as RoleProperties;
  const attached = resolver
    .resourcesOfType('AWS::IAM::Policy')
    .map((found) => resolver.resolve(found.stackName, found.resource.Properties ?? {}) as { Roles?: string[]; PolicyDocument: PolicyDocument })
    .filter((policy) => policy.Roles?.includes(name))
    .map((policy) => policy.PolicyDocument);
  return {
    stackName,
    logicalId,
    name,
    arn: resolver.getAtt(stackName, logicalId, 'Arn'),
    identityPolicies: [...attached, ...(properties.Policies ?? []).map((p) => p.PolicyDocument)],
    trustPolicy: properties.AssumeRolePolicyDocument,
  };
};

/** The role whose ARN this is (a function's `Role`, a schedule target's `RoleArn`). */
export const roleWithArn = (resolver: CfnResolver, arn: string): DeployedRole => {
  const found = resolver.resourcesOfType('AWS::IAM::Role').filter(({ stackName, logicalId }) => resolver.getAtt(stackName, logicalId, 'Arn') === arn);
  if (found.length !== 1 || found[0] === undefined) throw new Error(`expected one role with ARN ${arn}, found ${found.length}`);
  return roleWithLogicalId(resolver, found[0].stackName, found[0].logicalId);
};

/** A function of the templates: its execution role and its environment, as deployed. */
export interface FunctionIdentity {
  logicalId: string;
  arn: string;
  role: DeployedRole;
  environment: Record<string, string>;
}

export const functionIdentity = (resolver: CfnResolver, stackName: string, logicalId: string): FunctionIdentity => {
  const properties = resolver.resolve(stackName, resolver.resource(stackName, logicalId).Properties ?? {}) as {
    Role: string;
    Environment?: { Variables?: Record<string, string> };
  };
  return {
    logicalId,
    arn: resolver.getAtt(stackName, logicalId, 'Arn'),
    role: roleWithArn(resolver, properties.Role),
    environment: properties.Environment?.Variables ?? {},
  };
};

/** The function whose ARN this is. */
export const functionIdentityWithArn = (resolver: CfnResolver, arn: string): FunctionIdentity => {
  const found = resolver.resourcesOfType('AWS::Lambda::Function').find(({ stackName, logicalId }) => resolver.getAtt(stackName, logicalId, 'Arn') === arn);
  if (found === undefined) throw new Error(`${arn} is no function of the templates`);
  return functionIdentity(resolver, found.stackName, found.logicalId);
};

/** A running function as IAM sees it: a session of its execution role, with the role's policies. */
export const sessionOf = (fn: FunctionIdentity): Principal => {
  const [, partition = 'aws', , , account = ''] = fn.role.arn.split(':');
  return { principal: `arn:${partition}:sts::${account}:assumed-role/${fn.role.name}/${fn.logicalId}`, identityPolicies: fn.role.identityPolicies };
};
