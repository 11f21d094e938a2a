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

/**
 * What the profiles say, hashed. A task definition the stack makes is named by a token that is not
 * its content; its content is the profile's own image, command and sizes, which the hash covers.
 */
const digestOf = (profiles: Readonly<Record<string, DeployedProfile>>): string => {
  const content = Object.entries(profiles).map(([name, p]) => [name, { ...p, taskDefinitionArn: Token.isUnresolved(p.taskDefinitionArn) ? 'made by the stack' : p.taskDefinitionArn }]);
  return createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 16);
};
