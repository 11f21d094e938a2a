// What CloudFormation would make of a synthesized template, without an AWS account: every intrinsic
// (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::ImportValue, Fn::GetAZs) resolved
// to fake but consistent physical names, ids and ARNs. "Consistent" is the point: the same resource
// always resolves to the same value wherever it is referenced (a function's environment, a rule's
// pattern, a schedule's target, another stack's import), so a test built on one resolver sees
// exactly the mismatches a deployment would have. Anything it does not know (a resource type, an
// attribute, a condition) throws, so new template features get a conscious fake instead of a guess.
import { createHash } from 'node:crypto';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  Parameters?: Record<string, { Default?: unknown }>;
  [key: string]: unknown;
}

/** Where the fake deployment lives. */
export interface FakeEnvironment {
  region: string;
  accountId: string;
  partition: string;
  urlSuffix: string;
}

export const FAKE_ENVIRONMENT: FakeEnvironment = { region: 'eu-west-1', accountId: '123456789012', partition: 'aws', urlSuffix: 'amazonaws.com' };

/** A resource as the fakes see it: its deterministic physical name/id and how to build its ARNs. */
interface Physical {
  stackName: string;
  logicalId: string;
  properties: Record<string, unknown>;
  /** The explicit name property if the template sets one, else a CloudFormation-style generated name. */
  name: (property: string | undefined, maxLength?: number) => string;
  /** Hex digits derived from stack and logical id (stable across runs). */
  hex: (length: number) => string;
  arn: (service: string, resource: string, scope?: { region?: string; account?: string }) => string;
  env: FakeEnvironment;
}

interface ResourceFake {
  ref: (r: Physical) => string;
  attributes: Record<string, (r: Physical) => string>;
}

// Per type: what `Ref` returns and which `Fn::GetAtt` attributes exist (CloudFormation resource
// reference, "Return values"). Only the types our templates reference are here.
const RESOURCE_FAKES: Record<string, (r: Physical) => ResourceFake> = {
  'AWS::DynamoDB::Table': (r) => {
    const name = r.name('TableName', 255);
    return {
      ref: () => name,
      attributes: {
        Arn: () => r.arn('dynamodb', `table/${name}`),
        StreamArn: () => r.arn('dynamodb', `table/${name}/stream/2026-01-01T00:00:00.000`),
      },
    };
  },
  'AWS::Lambda::Function': (r) => {
    const name = r.name('FunctionName', 64);
    return { ref: () => name, attributes: { Arn: () => r.arn('lambda', `function:${name}`) } };
  },
  'AWS::IAM::Role': (r) => {
    const name = r.name('RoleName', 64);
    return {
      ref: () => name,
      attributes: { Arn: () => r.arn('iam', `role/${name}`, { region: '' }), RoleId: () => `AROA${r.hex(17).toUpperCase()}` },
    };
  },
  'AWS::SQS::Queue': (r) => {
    const name = r.name('QueueName', 80);
    const url = `https://sqs.${r.env.region}.${r.env.urlSuffix}/${r.env.accountId}/${name}`;
    return { ref: () => url, attributes: { Arn: () => r.arn('sqs', name), QueueName: () => name, QueueUrl: () => url } };
  },
  'AWS::SNS::Topic': (r) => {
    const name = r.name('TopicName', 256);
    const arn = r.arn('sns', name);
    return { ref: () => arn, attributes: { TopicArn: () => arn, TopicName: () => name } };
  },
  'AWS::Scheduler::ScheduleGroup': (r) => {
    const name = r.name('Name', 64);
    return { ref: () => name, attributes: { Arn: () => r.arn('scheduler', `schedule-group/${name}`) } };
  },
  'AWS::Scheduler::Schedule': (r) => {
    const name = r.name('Name', 64);
    const group = typeof r.properties['GroupName'] === 'string' ? r.properties['GroupName'] : 'default';
    return { ref: () => name, attributes: { Arn: () => r.arn('scheduler', `schedule/${group}/${name}`) } };
  },
  'AWS::ECS::Cluster': (r) => {
    const name = r.name('ClusterName', 255);
    return { ref: () => name, attributes: { Arn: () => r.arn('ecs', `cluster/${name}`) } };
  },
  'AWS::ECS::TaskDefinition': (r) => {
    const arn = r.arn('ecs', `task-definition/${r.name('Family', 255)}:1`);
    return { ref: () => arn, attributes: { TaskDefinitionArn: () => arn } };
  },
  'AWS::SSM::Parameter': (r) => {
    const name = r.name('Name', 2048);
    return { ref: () => name, attributes: { Type: () => String(r.properties['Type']), Value: () => String(r.properties['Value']) } };
  },
  'AWS::Events::EventBus': (r) => {
    const name = r.name('Name', 256);
    return { ref: () => name, attributes: { Arn: () => r.arn('events', `event-bus/${name}`), Name: () => name } };
  },
  'AWS::Events::Rule': (r) => {
    const name = r.name('Name', 64);
    const bus = typeof r.properties['EventBusName'] === 'string' ? r.properties['EventBusName'] : 'default';
    return { ref: () => name, attributes: { Arn: () => r.arn('events', bus === 'default' ? `rule/${name}` : `rule/${bus}/${name}`) } };
  },
  'AWS::ApiGatewayV2::Api': (r) => {
    const id = r.hex(10);
    return {
      ref: () => id,
      attributes: { ApiId: () => id, ApiEndpoint: () => `https://${id}.execute-api.${r.env.region}.${r.env.urlSuffix}` },
    };
  },
  'AWS::ApiGatewayV2::Integration': (r) => ({ ref: () => r.hex(7), attributes: {} }),
  'AWS::ApiGatewayV2::Authorizer': (r) => ({ ref: () => r.hex(6), attributes: {} }),
  'AWS::EC2::VPC': (r) => ({ ref: () => `vpc-${r.hex(17)}`, attributes: { VpcId: () => `vpc-${r.hex(17)}` } }),
  'AWS::EC2::Subnet': (r) => ({ ref: () => `subnet-${r.hex(17)}`, attributes: { SubnetId: () => `subnet-${r.hex(17)}` } }),
  'AWS::EC2::SecurityGroup': (r) => ({ ref: () => `sg-${r.hex(17)}`, attributes: { GroupId: () => `sg-${r.hex(17)}` } }),
  'AWS::Cognito::UserPool': (r) => {
    const id = `${r.env.region}_${r.hex(9)}`;
    return {
      ref: () => id,
      attributes: {
        Arn: () => r.arn('cognito-idp', `userpool/${id}`),
        ProviderName: () => `cognito-idp.${r.env.region}.${r.env.urlSuffix}/${id}`,
        ProviderURL: () => `https://cognito-idp.${r.env.region}.${r.env.urlSuffix}/${id}`,
      },
    };
  },
  'AWS::Cognito::UserPoolClient': (r) => ({ ref: () => r.hex(26), attributes: {} }),
  'AWS::Logs::LogGroup': (r) => {
    const name = r.name('LogGroupName', 512);
    return { ref: () => name, attributes: { Arn: () => r.arn('logs', `log-group:${name}:*`) } };
  },
  'AWS::KMS::Key': (r) => {
    const id = `${r.hex(8)}-${r.hex(4)}-4${r.hex(3)}-8${r.hex(3)}-${r.hex(12)}`;
    return { ref: () => id, attributes: { Arn: () => r.arn('kms', `key/${id}`), KeyId: () => id } };
  },
};

/** `AWS::NoValue`: the property or list element disappears. */
const NO_VALUE = Symbol('AWS::NoValue');

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const asString = (value: unknown, what: string): string => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`${what} resolved to ${JSON.stringify(value)}, not a string`);
};

export class CfnResolver {
  private readonly stacks: Map<string, CfnTemplate>;

  constructor(
    stacks: Record<string, CfnTemplate>,
    readonly env: FakeEnvironment = FAKE_ENVIRONMENT,
  ) {
    this.stacks = new Map(Object.entries(stacks));
  }

  get stackNames(): string[] {
    return [...this.stacks.keys()];
  }

  template(stackName: string): CfnTemplate {
    const template = this.stacks.get(stackName);
    if (template === undefined) throw new Error(`no stack ${stackName} in the assembly`);
    return template;
  }

  resource(stackName: string, logicalId: string): CfnResource {
    const resource = this.template(stackName).Resources[logicalId];
    if (resource === undefined) throw new Error(`${stackName} has no resource ${logicalId}`);
    return resource;
  }

  /** Every resource of a type, across all stacks. */
  resourcesOfType(type: string): { stackName: string; logicalId: string; resource: CfnResource }[] {
    return [...this.stacks].flatMap(([stackName, template]) =>
      Object.entries(template.Resources)
        .filter(([, resource]) => resource.Type === type)
        .map(([logicalId, resource]) => ({ stackName, logicalId, resource })),
    );
  }

  /** A value with every intrinsic resolved, as CloudFormation would hand it to the resource. */
  resolve(stackName: string, value: unknown): unknown {
    const resolved = this.resolveAny(stackName, value);
    return resolved === NO_VALUE ? undefined : resolved;
  }

  resolveString(stackName: string, value: unknown, what = 'value'): string {
    return asString(this.resolve(stackName, value), what);
  }

  /** What `{ Ref: logicalId }` resolves to. */
  ref(stackName: string, logicalId: string): string {
    return this.fakeOf(stackName, logicalId).ref(this.physical(stackName, logicalId));
  }

  /** What `{ Fn::GetAtt: [logicalId, attribute] }` resolves to. */
  getAtt(stackName: string, logicalId: string, attribute: string): string {
    const fake = this.fakeOf(stackName, logicalId);
    const get = fake.attributes[attribute];
    if (get === undefined) throw new Error(`no fake for Fn::GetAtt ${attribute} of ${this.resource(stackName, logicalId).Type} (${logicalId})`);
    return get(this.physical(stackName, logicalId));
  }

  private fakeOf(stackName: string, logicalId: string): ResourceFake {
    const { Type } = this.resource(stackName, logicalId);
    const make = RESOURCE_FAKES[Type];
    if (make === undefined) throw new Error(`no fake for resources of type ${Type} (${stackName}/${logicalId})`);
    return make(this.physical(stackName, logicalId));
  }

  private physical(stackName: string, logicalId: string): Physical {
    const properties = this.resource(stackName, logicalId).Properties ?? {};
    const digest = createHash('sha256').update(`${stackName}/${logicalId}`).digest('hex');
    const hex = (length: number): string => digest.repeat(2).slice(0, length);
    return {
      stackName,
      logicalId,
      properties,
      env: this.env,
      hex,
      // CloudFormation's generated names look like `<stack>-<logicalId>-<RANDOM>`, cut to the type's limit.
      name: (property, maxLength = 64) => {
        const explicit = property === undefined ? undefined : properties[property];
        if (explicit !== undefined) return this.resolveString(stackName, explicit, `${logicalId}.${property}`);
        const suffix = `-${hex(12).toUpperCase()}`;
        return `${stackName}-${logicalId}`.slice(0, maxLength - suffix.length) + suffix;
      },
      arn: (service, resource, scope = {}) =>
        `arn:${this.env.partition}:${service}:${scope.region ?? this.env.region}:${scope.account ?? this.env.accountId}:${resource}`,
    };
  }

  private pseudo(stackName: string, name: string): string | typeof NO_VALUE | undefined {
    switch (name) {
      case 'AWS::Region':
        return this.env.region;
      case 'AWS::AccountId':
        return this.env.accountId;
      case 'AWS::Partition':
        return this.env.partition;
      case 'AWS::URLSuffix':
        return this.env.urlSuffix;
      case 'AWS::StackName':
        return stackName;
      case 'AWS::StackId':
        return `arn:${this.env.partition}:cloudformation:${this.env.region}:${this.env.accountId}:stack/${stackName}/00000000-0000-4000-8000-000000000000`;
      case 'AWS::NoValue':
        return NO_VALUE;
      default:
        return undefined;
    }
  }

  private resolveRef(stackName: string, name: string): unknown {
    const pseudo = this.pseudo(stackName, name);
    if (pseudo !== undefined) return pseudo;
    const parameter = this.template(stackName).Parameters?.[name];
    if (parameter !== undefined) {
      if (parameter.Default === undefined) throw new Error(`parameter ${name} of ${stackName} has no default`);
      return parameter.Default;
    }
    return this.ref(stackName, name);
  }

  private importValue(exportName: string): unknown {
    for (const [stackName, template] of this.stacks) {
      for (const output of Object.values(template.Outputs ?? {})) {
        if (output.Export !== undefined && this.resolve(stackName, output.Export.Name) === exportName) {
          return this.resolve(stackName, output.Value);
        }
      }
    }
    throw new Error(`Fn::ImportValue: no stack exports ${exportName}`);
  }

  /** `${Name}`, `${Resource.Attribute}`, `${!Literal}` (CloudFormation Fn::Sub syntax). */
  private substitute(stackName: string, text: string, variables: Record<string, unknown>): string {
    return text.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
      if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
      if (Object.hasOwn(variables, inner)) return asString(this.resolve(stackName, variables[inner]), `Fn::Sub ${whole}`);
      const dot = inner.indexOf('.');
      if (dot > 0 && !inner.startsWith('AWS::')) return this.getAtt(stackName, inner.slice(0, dot), inner.slice(dot + 1));
      return asString(this.resolveRef(stackName, inner), `Fn::Sub ${whole}`);
    });
  }

  /** Fn::Sub of a string outside any template (the asset manifest's `${AWS::AccountId}` placeholders). */
  sub(stackName: string, text: string): string {
    return this.substitute(stackName, text, {});
  }

  private resolveAny(stackName: string, value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolveAny(stackName, v)).filter((v) => v !== NO_VALUE);
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    const [key] = keys;
    if (keys.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::') || key === 'Condition')) {
      return this.intrinsic(stackName, key, value[key]);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const resolved = this.resolveAny(stackName, v);
      if (resolved !== NO_VALUE) out[k] = resolved;
    }
    return out;
  }

  private intrinsic(stackName: string, name: string, argument: unknown): unknown {
    const list = (what: string): unknown[] => {
      if (!Array.isArray(argument)) throw new Error(`${what} takes a list, got ${JSON.stringify(argument)}`);
      return argument;
    };
    switch (name) {
      case 'Ref':
        return this.resolveRef(stackName, asString(argument, 'Ref'));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = typeof argument === 'string' ? argument.split(/\.(.*)/s) : list(name).map((a) => this.resolveString(stackName, a));
        return this.getAtt(stackName, asString(logicalId, name), asString(attribute, name));
      }
      case 'Fn::Join': {
        const [separator, parts] = list(name);
        const resolved = this.resolveAny(stackName, parts);
        if (!Array.isArray(resolved)) throw new Error(`Fn::Join parts resolved to ${JSON.stringify(resolved)}`);
        return resolved.map((p) => asString(p, 'Fn::Join part')).join(asString(separator, 'Fn::Join separator'));
      }
      case 'Fn::Sub': {
        if (typeof argument === 'string') return this.substitute(stackName, argument, {});
        const [text, variables] = list(name);
        return this.substitute(stackName, asString(text, name), isObject(variables) ? variables : {});
      }
      case 'Fn::Select': {
        const [index, items] = list(name);
        const resolved = this.resolveAny(stackName, items);
        if (!Array.isArray(resolved)) throw new Error(`Fn::Select from ${JSON.stringify(resolved)}`);
        const i = Number(this.resolveAny(stackName, index));
        if (!Number.isInteger(i) || i < 0 || i >= resolved.length) throw new Error(`Fn::Select index ${i} out of ${resolved.length}`);
        return resolved[i];
      }
      case 'Fn::Split': {
        const [separator, text] = list(name);
        return this.resolveString(stackName, text, name).split(asString(separator, name));
      }
      case 'Fn::ImportValue':
        return this.importValue(this.resolveString(stackName, argument, name));
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((zone) => `${this.env.region}${zone}`);
      default:
        throw new Error(`no fake for ${name} (${stackName}): ${JSON.stringify(argument)}`);
    }
  }
}
