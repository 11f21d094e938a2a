// How a synthesized template connects its parts, read the way AWS would follow it: an HTTP API
// route to its integration and function (and its JWT authorizer), an EventBridge rule to its
// pattern and targets, a schedule to its target function and role, a role to what its policies
// allow. Everything is resolved with one CfnResolver, so a link that points at a name nothing
// else has (a function ARN built by hand, a role allowed to invoke another function) shows.
import { type CfnResolver } from './cfn-intrinsics';
import { type CloudAssembly, type DeployedFunction, functionWithArn } from './cloud-assembly';

export interface Deployment {
  assembly: CloudAssembly;
  resolver: CfnResolver;
}

/** The one item of a list, or an error saying how many there were. */
export const only = <T>(items: readonly T[], what: string): T => {
  if (items.length !== 1) throw new Error(`expected exactly one ${what}, found ${items.length}`);
  return items[0];
};

/** `Fn::GetAtt` of every resource of a type. */
export const attributesOf = ({ resolver }: Deployment, type: string, attribute: string): string[] =>
  resolver.resourcesOfType(type).map(({ stackName, logicalId }) => resolver.getAtt(stackName, logicalId, attribute));

/** `Ref` of every resource of a type. */
export const refsOf = ({ resolver }: Deployment, type: string): string[] =>
  resolver.resourcesOfType(type).map(({ stackName, logicalId }) => resolver.ref(stackName, logicalId));

/** A resource's properties with every intrinsic resolved. */
const propertiesOf = <T>({ resolver }: Deployment, found: { stackName: string; resource: { Properties?: unknown } }): T =>
  resolver.resolve(found.stackName, found.resource.Properties ?? {}) as T;

/** The resource of a type whose `Ref` (or attribute) is this value. */
const withValue = (d: Deployment, type: string, value: string, attribute?: string) =>
  only(
    d.resolver
      .resourcesOfType(type)
      .filter(({ stackName, logicalId }) => (attribute === undefined ? d.resolver.ref(stackName, logicalId) : d.resolver.getAtt(stackName, logicalId, attribute)) === value),
    `${type} ${value}`,
  );

export interface ApiRoute {
  fn: DeployedFunction;
  routeKey: string;
  apiId: string;
  apiEndpoint: string;
  integration: { IntegrationType: string; PayloadFormatVersion?: string };
  /** What the route's JWT authorizer accepts; absent on routes without one. */
  jwt?: { issuer: string; audience: string[] };
}

/** A route of the HTTP API and the function its integration invokes. */
export const routeOf = (d: Deployment, routeKey: string): ApiRoute => {
  const route = only(
    d.resolver.resourcesOfType('AWS::ApiGatewayV2::Route').filter((r) => d.resolver.resolve(r.stackName, r.resource.Properties?.['RouteKey']) === routeKey),
    `route ${routeKey}`,
  );
  const p = propertiesOf<{ ApiId: string; Target: string; AuthorizationType?: string; AuthorizerId?: string }>(d, route);
  const integrationId = p.Target.replace(/^integrations\//, '');
  const integration = propertiesOf<{ IntegrationType: string; IntegrationUri: string; PayloadFormatVersion?: string }>(
    d,
    withValue(d, 'AWS::ApiGatewayV2::Integration', integrationId),
  );
  const api = withValue(d, 'AWS::ApiGatewayV2::Api', p.ApiId);
  let jwt: ApiRoute['jwt'];
  if (p.AuthorizationType === 'JWT') {
    const authorizer = propertiesOf<{ JwtConfiguration: { Issuer: string; Audience: string[] } }>(
      d,
      withValue(d, 'AWS::ApiGatewayV2::Authorizer', p.AuthorizerId ?? ''),
    );
    jwt = { issuer: authorizer.JwtConfiguration.Issuer, audience: authorizer.JwtConfiguration.Audience };
  }
  return {
    fn: functionWithArn(d.assembly, d.resolver, integration.IntegrationUri),
    routeKey,
    apiId: p.ApiId,
    apiEndpoint: d.resolver.getAtt(api.stackName, api.logicalId, 'ApiEndpoint'),
    integration: { IntegrationType: integration.IntegrationType, ...(integration.PayloadFormatVersion !== undefined && { PayloadFormatVersion: integration.PayloadFormatVersion }) },
    ...(jwt !== undefined && { jwt }),
  };
};

export interface EventRule {
  logicalId: string;
  pattern: unknown;
  eventBusName: string;
  state: string;
  targets: { Arn: string; Input?: string; InputPath?: string; InputTransformer?: unknown }[];
}

export const eventRules = (d: Deployment): EventRule[] =>
  d.resolver.resourcesOfType('AWS::Events::Rule').map((found) => {
    const p = propertiesOf<{ EventPattern: unknown; State?: string; EventBusName?: string; Targets?: EventRule['targets'] }>(d, found);
    return { logicalId: found.logicalId, pattern: p.EventPattern, eventBusName: p.EventBusName ?? 'default', state: p.State ?? 'ENABLED', targets: p.Targets ?? [] };
  });

export interface QueueMapping {
  logicalId: string;
  /** The function's name or ARN, as the mapping names it. */
  functionName: string;
  queueArn: string;
  batchSize: number;
  reportsBatchItemFailures: boolean;
  maximumConcurrency?: number;
  enabled: boolean;
}

/** The SQS event source mappings of the templates (Lambda's defaults for what they leave out). */
export const queueMappings = (d: Deployment): QueueMapping[] =>
  d.resolver.resourcesOfType('AWS::Lambda::EventSourceMapping').map((found) => {
    const p = propertiesOf<{
      FunctionName: string;
      EventSourceArn: string;
      BatchSize?: number;
      FunctionResponseTypes?: string[];
      ScalingConfig?: { MaximumConcurrency?: number };
      Enabled?: boolean;
    }>(d, found);
    if (!p.EventSourceArn.includes(':sqs:')) throw new Error(`${found.logicalId}: only SQS event sources are faked`);
    return {
      logicalId: found.logicalId,
      functionName: p.FunctionName,
      queueArn: p.EventSourceArn,
      batchSize: p.BatchSize ?? 10,
      reportsBatchItemFailures: p.FunctionResponseTypes?.includes('ReportBatchItemFailures') ?? false,
      ...(p.ScalingConfig?.MaximumConcurrency !== undefined && { maximumConcurrency: p.ScalingConfig.MaximumConcurrency }),
      enabled: p.Enabled ?? true,
    };
  });

/** The template's function a mapping or a permission names, by name or ARN. */
export const functionNamed = (d: Deployment, nameOrArn: string): DeployedFunction => {
  const found = d.resolver
    .resourcesOfType('AWS::Lambda::Function')
    .find(({ stackName, logicalId }) => d.resolver.ref(stackName, logicalId) === nameOrArn || d.resolver.getAtt(stackName, logicalId, 'Arn') === nameOrArn);
  if (found === undefined) throw new Error(`${nameOrArn} is no function of the templates`);
  return functionWithArn(d.assembly, d.resolver, d.resolver.getAtt(found.stackName, found.logicalId, 'Arn'));
};

/** The templates' queues: URL, ARN and redrive policy. */
export const templateQueues = (d: Deployment): { url: string; arn: string; redrive?: { deadLetterArn: string; maxReceives: number } }[] =>
  d.resolver.resourcesOfType('AWS::SQS::Queue').map((found) => {
    const p = propertiesOf<{ RedrivePolicy?: { deadLetterTargetArn: string; maxReceiveCount: number } }>(d, found);
    return {
      url: d.resolver.ref(found.stackName, found.logicalId),
      arn: d.resolver.getAtt(found.stackName, found.logicalId, 'Arn'),
      ...(p.RedrivePolicy !== undefined && { redrive: { deadLetterArn: p.RedrivePolicy.deadLetterTargetArn, maxReceives: p.RedrivePolicy.maxReceiveCount } }),
    };
  });

export interface ScheduleTarget {
  Arn: string;
  RoleArn: string;
  Input?: string;
  DeadLetterConfig?: { Arn?: string };
}

/** The schedules the templates declare themselves (not those the functions create at runtime). */
export const templateSchedules = (d: Deployment): { logicalId: string; Target: ScheduleTarget; ScheduleExpression: string }[] =>
  d.resolver
    .resourcesOfType('AWS::Scheduler::Schedule')
    .map((found) => ({ logicalId: found.logicalId, ...propertiesOf<{ Target: ScheduleTarget; ScheduleExpression: string }>(d, found) }));

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}

const listOf = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);
const globMatches = (pattern: string, value: string): boolean =>
  new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value);

export interface RoleView {
  logicalId: string;
  /** Whether this AWS service may assume the role. */
  trustedBy(service: string): boolean;
  /** Whether an Allow statement of its identity policies covers the action on the resource (no Deny, conditions ignored). */
  allows(action: string, resource: string): boolean;
}

export const roleWithArn = (d: Deployment, arn: string): RoleView => {
  const role = withValue(d, 'AWS::IAM::Role', arn, 'Arn');
  const name = d.resolver.ref(role.stackName, role.logicalId);
  const properties = propertiesOf<{
    AssumeRolePolicyDocument: { Statement: { Effect: string; Principal?: { Service?: string | string[] } }[] };
    Policies?: { PolicyDocument: { Statement: Statement[] } }[];
  }>(d, role);
  const attached = d.resolver
    .resourcesOfType('AWS::IAM::Policy')
    .map((found) => propertiesOf<{ Roles?: string[]; PolicyDocument: { Statement: Statement[] } }>(d, found))
    .filter((policy) => policy.Roles?.includes(name));
  const statements = [...attached, ...(properties.Policies ?? [])].flatMap((policy) => policy.PolicyDocument.Statement);
  return {
    logicalId: role.logicalId,
    trustedBy: (service) =>
      properties.AssumeRolePolicyDocument.Statement.some((s) => s.Effect === 'Allow' && listOf(s.Principal?.Service ?? []).includes(service)),
    allows: (action, resource) =>
      statements.some(
        (s) => s.Effect === 'Allow' && listOf(s.Action).some((a) => globMatches(a, action)) && listOf(s.Resource).some((r) => globMatches(r, resource)),
      ),
  };
};
