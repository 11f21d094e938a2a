// The sweep function's composition root: what ends a session, and the sweep's settings; no HTTP,
// JWT or request-validation code (README "Performance").
import { sweepDeps } from '../build-handler-deps';
import { type SweepDeps } from '../use-cases/sweep';
import { type LambdaEnv, lambdaSetup, settingsFromEnv } from '../wiring';
import { endSessionAdapters } from './aws-adapters';

export const buildSweepDeps = (env: LambdaEnv): SweepDeps => sweepDeps(settingsFromEnv(env), endSessionAdapters(env));

export const sweepSetup = lambdaSetup(buildSweepDeps);
