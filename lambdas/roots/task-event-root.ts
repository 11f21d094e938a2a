// The task-event function's composition root: what records a session's end (DynamoDB, Scheduler,
// EventBridge), and the deployment's task marker, which tells its tasks' events from others'. It
// never stops a task, so no ECS client; no HTTP, JWT or request-validation code either (README
// "Performance").
import { recordEndedDeps } from '../build-handler-deps';
import { type HandlerDeps } from '../handlers/handler-setup';
import { type RecordEndedDeps } from '../use-cases/end-session';
import { type LambdaEnv, lambdaSetup, settingsFromEnv } from '../wiring';
import { recordEndedAdapters } from './aws-adapters';

export type TaskEventDeps = RecordEndedDeps & Pick<HandlerDeps, 'taskMarker'>;

export const buildTaskEventDeps = (env: LambdaEnv): TaskEventDeps => ({
  ...recordEndedDeps(settingsFromEnv(env), recordEndedAdapters(env)),
  taskMarker: env.TASK_MARKER,
});

export const taskEventSetup = lambdaSetup(buildTaskEventDeps);
