// The task-event function's composition root: what records a session's end (DynamoDB, Scheduler,
// EventBridge). It never stops a task, so no ECS client; no HTTP, JWT or request-validation code
// either (README "Performance").
import { recordEndedDeps } from '../build-handler-deps';
import { type RecordEndedDeps } from '../use-cases/end-session';
import { type LambdaEnv, lambdaSetup, settingsFromEnv } from '../wiring';
import { recordEndedAdapters } from './aws-adapters';

export const buildTaskEventDeps = (env: LambdaEnv): RecordEndedDeps => recordEndedDeps(settingsFromEnv(env), recordEndedAdapters(env));

export const taskEventSetup = lambdaSetup(buildTaskEventDeps);
