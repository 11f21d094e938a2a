// What CloudFormation would put in a resource property at deploy time, for tests that feed the
// synthesized values to the runtime (a function's environment, a dashboard body): the intrinsics
// of our templates replaced by plausible deployed values; any other intrinsic fails loudly.

const PSEUDO: Record<string, string> = {
  'AWS::Region': 'eu-west-1',
  'AWS::AccountId': '123456789012',
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** What CloudFormation would put in a variable: intrinsics replaced by plausible deployed values. */
export const deployedValue = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const intrinsic = value as Record<string, unknown>;
  if ('Fn::Join' in intrinsic) {
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
    return parts.map(deployedValue).join(separator);
  }
  if ('Ref' in intrinsic) {
    const ref = intrinsic['Ref'] as string;
    return PSEUDO[ref] ?? (ref.includes('TaskDefinition') ? `arn:aws:ecs:eu-west-1:123456789012:task-definition/${ref}:1` : `ref-${ref}`);
  }
  if ('Fn::GetAtt' in intrinsic) {
    const [id, attribute] = intrinsic['Fn::GetAtt'] as [string, string];
    if (attribute === 'ApiEndpoint') return `https://${id.toLowerCase()}.execute-api.eu-west-1.amazonaws.com`;
    // A role's ARN as IAM writes it (the functions compare task roles by it); anything else generic.
    if (attribute === 'Arn' && /Role[0-9A-F]{8}$/.test(id)) return `arn:aws:iam::123456789012:role/${id}`;
    return attribute === 'Arn' ? `arn:aws:service:eu-west-1:123456789012:${id}` : `${id}-${attribute}`;
  }
  if ('Fn::ImportValue' in intrinsic) return `imported-${String(intrinsic['Fn::ImportValue'])}`;
  throw new Error(`unexpected intrinsic in a function environment: ${JSON.stringify(value)}`);
};


/** A function's environment as deployed: every variable's value resolved (see `deployedValue`). */
export const deployedEnvironment = (variables: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, deployedValue(value)]));

interface ParameterResource {
  Properties?: Record<string, unknown>;
}

/**
 * The String parameters of a template directly under `path`, as GetParametersByPath (not recursive)
 * with Powertools would give them to the function: name below the path → deployed value.
 */
export const deployedParametersUnder = (parameters: Record<string, ParameterResource>, path: string): Record<string, string> =>
  Object.fromEntries(
    Object.values(parameters).flatMap((p) => {
      // A parameter without a name gets a generated one, never under a path (the agent's bundle parts).
      if (p.Properties?.['Name'] === undefined) return [];
      const name = deployedValue(p.Properties['Name']);
      const rest = name.startsWith(`${path}/`) ? name.slice(path.length + 1) : undefined;
      return rest === undefined || rest.includes('/') ? [] : [[rest, deployedValue(p.Properties?.['Value'])]];
    }),
  );
