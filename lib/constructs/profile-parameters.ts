// Where the deployed functions find the profiles: one SSM String parameter per profile, under
// `/<stack>/profiles/<name>`, holding the profile of cdk.json with its task definition resolved
// (SessionCluster `DeployedProfile`). Not the functions' environment, which Lambda caps at 4 KB in
// all: a parameter per profile bounds a profile, not their number (README, Configuration). The
// functions read them with GetParametersByPath (lambdas/adapters/aws/profile-store.ts).
import { createHash } from 'node:crypto';
import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import { ParameterTier, StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { ConfigError } from '../../contract/app-config';
import { type DeployedProfile } from './session-cluster';
import { type SessionFunction } from './session-function';

/** What a standard parameter holds (an advanced one holds 8 KB but costs money every month). */
export const PROFILE_DOCUMENT_MAX_BYTES = 4096;

/**
 * The longest task definition ARN CloudFormation may put where CDK wrote a reference: a family is
 * at most 255 characters. The size check counts this much for an ARN it cannot know at synth.
 */
const LONGEST_TASK_DEFINITION_ARN = 'arn:aws-us-gov:ecs:us-gov-west-1:123456789012:task-definition/'.length + 255 + ':1000000'.length;

export interface ProfileParametersProps {
  profiles: Readonly<Record<string, DeployedProfile>>;
}

export class ProfileParameters extends Construct {
  /** `/<stack>/profiles`: PROFILES_PARAMETER_PATH. */
  readonly path: string;
  readonly parameters: Readonly<Record<string, StringParameter>>;
  /** Changes whenever a deployed profile does: PROFILES_DIGEST. */
  readonly digest: string;

  constructor(scope: Construct, id: string, props: ProfileParametersProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.path = `/${stack.stackName}/profiles`;
    const parameters: Record<string, StringParameter> = {};
    for (const [name, profile] of Object.entries(props.profiles)) {
      assertFits(name, profile);
      parameters[name] = new StringParameter(this, name, {
        parameterName: `${this.path}/${name}`,
        stringValue: stack.toJsonString(profile),
        tier: ParameterTier.STANDARD,
        description: `session-expiry profile ${name}, written by the stack from cdk.json (edit it there)`,
      });
    }
    this.parameters = parameters;
    this.digest = digestOf(props.profiles);
  }

  /** The parameter path's ARN: GetParametersByPath is authorized on the path asked for, not on each parameter. */
  get pathArn(): string {
    return Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: this.path.slice(1), arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  }

  /**
   * Tells a function where the profiles are (its grant, if any, comes from contract/function-calls.ts).
   * Every function gets the digest, and is deployed after the parameters: a deploy that changes a
   * profile writes it first and then replaces the functions' environments, so none keeps reading the old one.
   */
  addEnvironmentTo(fn: SessionFunction): void {
    fn.addEnvironment('PROFILES_PARAMETER_PATH', this.path);
    fn.addEnvironment('PROFILES_DIGEST', this.digest);
    fn.node.addDependency(this);
  }

}

/** A profile too large for a standard parameter fails synth, naming it, rather than the deploy. */
const assertFits = (name: string, profile: DeployedProfile): void => {
  const arn = Token.isUnresolved(profile.taskDefinitionArn) ? 'x'.repeat(LONGEST_TASK_DEFINITION_ARN) : profile.taskDefinitionArn;
  const bytes = Buffer.byteLength(JSON.stringify({ ...profile, taskDefinitionArn: arn }));
  if (bytes > PROFILE_DOCUMENT_MAX_BYTES) {
    throw new ConfigError(
      `invalid configuration:\n  sessionExpiry.profiles.${name}: is up to ${bytes} bytes as deployed, more than an SSM parameter's ${PROFILE_DOCUMENT_MAX_BYTES}; shorten its command or description`,
    );
  }
};

/** What a value the stack resolves at deploy time (an ARN of what it makes) counts as in the digest. */
const MADE_BY_THE_STACK = 'made by the stack';

/**
 * The value with every unresolved token replaced by MADE_BY_THE_STACK, however deep. A token's
 * text (`${Token[TOKEN.1334]}`) numbers it in the order the app made its tokens, which any change
 * elsewhere in the app (or a second synth) may shift: hashed as it was, it changed the digest, and
 * so every function's environment, with no profile changed.
 */
const withoutTokens = (value: unknown): unknown => {
  if ((typeof value === 'string' || typeof value === 'number') && Token.isUnresolved(value)) return MADE_BY_THE_STACK;
  if (Array.isArray(value)) return value.map(withoutTokens);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withoutTokens(inner)]));
  return value;
};

/**
 * What the profiles say, hashed. What the stack makes for a profile (its task definition, its task
 * role) is named by a token that is not its content; its content is the profile's own image,
 * command, sizes and timeouts, which the hash covers.
 */
const digestOf = (profiles: Readonly<Record<string, DeployedProfile>>): string =>
  createHash('sha256').update(JSON.stringify(withoutTokens(profiles))).digest('hex').slice(0, 16);
