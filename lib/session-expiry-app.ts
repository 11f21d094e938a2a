// Builds the whole deployable app from a validated config: the stateful stack (tables), the
// stateless stack (everything else) with the tables passed as typed props, and as validation plugins
// cdk-nag (AwsSolutions and Serverless packs) and the AWS Control Tower proactive controls (cfn-guard),
// so findings fail synth unless acknowledged.
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { type AppConfig, parseConfig } from '../contract/app-config';
import { controlTowerChecks } from './nag/control-tower';
import { StatefulStack } from './stacks/stateful-stack';
import { StatelessStack } from './stacks/stateless-stack';

export const CONFIG_CONTEXT_KEY = 'sessionExpiry';
export const STATEFUL_STACK_NAME = 'SessionExpiryStateful';
export const STATELESS_STACK_NAME = 'SessionExpiryStateless';

/** The `sessionExpiry` context (cdk.json, `-c`, CDK_CONTEXT_JSON), validated; throws ConfigError naming the bad key. */
export const configFromContext = (app: App): AppConfig => parseConfig(app.node.tryGetContext(CONFIG_CONTEXT_KEY));

export interface BuildOptions {
  /**
   * Run the Control Tower controls at synth (default true, as `npm run synth` does). cfn-guard adds
   * about 3 s per synth, so CDK tests that assert other things turn it off; the app test keeps it.
   */
  controlTower?: boolean;
}

export interface SessionExpiryApp {
  stateful: StatefulStack;
  stateless: StatelessStack;
}

/** Environment-agnostic stacks: no lookups, so synth needs neither credentials nor network. */
export const buildApp = (app: App, config: AppConfig, options: BuildOptions = {}): SessionExpiryApp => {
  const stateful = new StatefulStack(app, STATEFUL_STACK_NAME, {
    description: 'session-expiry: session and idempotency tables (retained)',
  });
  const stateless = new StatelessStack(app, STATELESS_STACK_NAME, {
    description: 'session-expiry: API, functions, schedules, ECS cluster, alarms',
    config,
    sessions: stateful.sessions,
    idempotency: stateful.idempotency,
    workspaces: stateful.workspaces,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  if (options.controlTower ?? true) Validations.of(app).addPlugins(controlTowerChecks());
  return { stateful, stateless };
};
