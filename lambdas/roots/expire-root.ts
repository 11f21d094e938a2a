// The expire function's composition root: what ends a session (DynamoDB, Scheduler, EventBridge,
// ECS); no HTTP, JWT or request-validation code (README "Performance").
import { endSessionDeps } from '../build-handler-deps';
import { type EndSessionDeps } from '../use-cases/end-session';
import { type LambdaEnv, lambdaSetup, settingsFromEnv } from '../wiring';
import { endSessionAdapters } from './aws-adapters';

export const buildExpireDeps = (env: LambdaEnv): EndSessionDeps => endSessionDeps(settingsFromEnv(env), endSessionAdapters(env));

export const expireSetup = lambdaSetup(buildExpireDeps);
