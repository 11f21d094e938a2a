// The starter function's composition root (README "Starting at the rate ECS allows"): what ends a
// session (a failed or timed-out start ends `start_failed`), ECS with the profiles' task
// definitions from the profile store, and the start queue a throttled start goes back on. No HTTP,
// JWT or request-validation code (README "Performance").
import { endSessionDeps, useCaseSettingsOf } from '../build-handler-deps';
import { type StartSessionDeps } from '../use-cases/start-session';
import { type LambdaEnv, lambdaSetup, settingsFromEnv } from '../wiring';
import { parseDeployedProfiles } from '../profile-config';
import { endSessionAdapters, sqsStartQueue } from './aws-adapters';
import { profileStoreOf } from './profile-store';

export const buildStarterDeps = (env: LambdaEnv): StartSessionDeps => {
  const settings = settingsFromEnv(env);
  return {
    ...endSessionDeps(settings, endSessionAdapters(env, profileStoreOf(env, parseDeployedProfiles))),
    settings: useCaseSettingsOf(settings),
    startQueue: sqsStartQueue(env),
  };
};

export const starterSetup = lambdaSetup(buildStarterDeps);
