// AWS Control Tower proactive controls at synth: cfn-guard (bundled by @cdklabs/cdk-validator-cfnguard,
// offline) evaluates every template, and any failing control fails synth. The plugin itself has no
// per-resource suppression; CDK's own acknowledgments (`Validations.of(resource).acknowledge`) filter
// its findings by construct path, so each accepted control is acknowledged on its resource with the
// reason, under the guard rule name cfn-guard reports. README "Control Tower proactive controls"
// lists every one.
import { type Acknowledgment, Validations } from 'aws-cdk-lib';
import { type IConstruct } from 'constructs';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';

/** The plugin's name, which CDK uses as the namespace of its rule ids. */
export const CONTROL_TOWER_PLUGIN = 'cdk-validator-cfnguard';

/** The controls this app acknowledges somewhere, by Control Tower id, with the guard rule that checks each. */
export const ACKNOWLEDGEABLE_CONTROLS = {
  'CT.APIGATEWAY.PR.5': 'api_gw_v2_authorization_type_configured_check',
  'CT.CLOUDWATCH.PR.2': 'cloudwatch_log_group_retention_period_check',
  'CT.CLOUDWATCH.PR.3': 'cloudwatch_log_group_encrypted_check',
  'CT.ECS.PR.2': 'ecs_container_insights_enabled_check',
  'CT.ECS.PR.3': 'ecs_task_definition_nonroot_user_check',
  'CT.ECS.PR.6': 'ecs_containers_readonly_access_check',
  'CT.LAMBDA.PR.2': 'lambda_function_public_access_prohibited_check',
  'CT.LAMBDA.PR.3': 'lambda_inside_vpc_check',
  'CT.SQS.PR.1': 'sqs_dlq_check',
} as const;
export type ControlId = keyof typeof ACKNOWLEDGEABLE_CONTROLS;

/** The validation plugin with every bundled Control Tower control on. */
export const controlTowerChecks = (): CfnGuardValidator => new CfnGuardValidator();

/** An acknowledgment of one control, for `Validations.of(resource).acknowledge(...)`. */
export const control = (id: ControlId, reason: string): Acknowledgment => ({
  id: `${CONTROL_TOWER_PLUGIN}::${ACKNOWLEDGEABLE_CONTROLS[id]}`,
  reason,
});

/** CT.CLOUDWATCH.PR.2 asks for at least this much retention. */
const CONTROL_TOWER_MIN_RETENTION_DAYS = 365;

/**
 * The two log-group controls every log group of the stack meets the same way: no customer managed
 * key (a documented choice), and the configured retention, acknowledged only while it is below what
 * CT.CLOUDWATCH.PR.2 asks (set `logRetentionDays` to 365 or more and the control simply passes).
 * `retentionDays` is the log group's RetentionDays value, a number of days.
 */
export const acknowledgeLogGroupControls = (logGroup: IConstruct, retentionDays: number): void => {
  Validations.of(logGroup).acknowledge(
    control(
      'CT.CLOUDWATCH.PR.3',
      'CloudWatch Logs encrypts every log group at rest already; these logs carry no tokens or secrets, and a customer managed key would add a monthly key charge and a key policy to keep in step with every log group.',
    ),
  );
  if (retentionDays < CONTROL_TOWER_MIN_RETENTION_DAYS) {
    Validations.of(logGroup).acknowledge(
      control(
        'CT.CLOUDWATCH.PR.2',
        'Retention is sessionExpiry.logRetentionDays (default 30): operational logs of short-lived sessions, kept as long as the operator chooses; 365 or more satisfies this control.',
      ),
    );
  }
};
