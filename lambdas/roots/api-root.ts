// The API function's composition root: every use case, all four AWS clients and the JWT verifier
// of the activity route (POST /sweep runs the sweep in-process, so it is here too).
import { type HandlerDeps } from '../handlers/handler-setup';
import { buildHandlerDeps } from '../build-handler-deps';
import { type LambdaEnv, lambdaSetup, settingsFromEnv } from '../wiring';
import { awsAdapters } from './aws-adapters';

export const buildApiDeps = (env: LambdaEnv): HandlerDeps => buildHandlerDeps(settingsFromEnv(env), awsAdapters(env));

export const apiSetup = lambdaSetup(buildApiDeps);
