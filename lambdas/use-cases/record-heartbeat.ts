// Record activity from a user's client (owner auth) or from the session's own task: on AWS by the
// IAM identity it signed with (task auth), in the local stack by its activity token (token auth).
// Primary course: load the session, check the caller, apply the deadline policy; when the deadline
// inputs changed, write them in one conditional update. No Scheduler call for a deadline that moves
// later (the armed schedule is re-armed lazily when it fires, see expire-session); only a disconnect
// that brings the deadline earlier arms one schedule. Pings, batched interactions, repeated connects
// and disconnects of ids that are not open write nothing. The answer says when the next report
// matters (README "HTTP API", activity). A report's `usage` raises or clears the session's resource
// warnings in the same write; the writer that raises one publishes its `Session Resource Warning`,
// so a lost race or a repeated report never warns twice (README "Resource warnings").
import { type Heartbeat, applyHeartbeat } from '../domain/deadline-policy';
import { NotFoundError } from '../domain/errors';
import { nextReportInSeconds } from '../domain/next-report';
import { type ResourceWarning, applyUsage } from '../domain/resource-warnings';
import { type Session } from '../domain/session';
import { type AssumedRoleIdentity, isTheTask } from '../domain/task-identity';
import { tokenMatches } from './activity-token';
import { type ChangeDeadlineDeps, changeDeadline } from './change-deadline';
import { publishEvents } from './publish-events';
import { type UseCaseDeps } from './use-case-deps';

export type HeartbeatAuth =
  | { type: 'owner'; ownerId: string }
  | { type: 'token'; token: string }
  | { type: 'task'; identity: AssumedRoleIdentity };

/** The write, for task auth the profiles (the task role a session's task must run as), and the events. */
export type RecordHeartbeatDeps = ChangeDeadlineDeps & Pick<UseCaseDeps, 'profiles' | 'events' | 'metrics'>;

export type RecordHeartbeatInput = Heartbeat & {
  id: string;
  auth: HeartbeatAuth;
};

export interface RecordHeartbeatResult {
  session: Session;
  /** Reporting another of the same kind (an interaction, for ping and connections) sooner than this changes nothing. */
  nextReportInSeconds: number;
}

export const recordHeartbeat = async (deps: RecordHeartbeatDeps, input: RecordHeartbeatInput): Promise<RecordHeartbeatResult> => {
  const session = await deps.store.get(input.id);
  // A wrong token, another task or another owner's session looks exactly like a missing one.
  if (session === undefined || !(await authorized(deps, session, input.auth))) throw new NotFoundError();
  let nowMs = deps.clock.now();
  const usage = input.kind === 'disconnect' ? undefined : input.usage;
  // The crossings of the attempt that was written (the last one).
  let crossed: ResourceWarning[] = [];
  const result = await changeDeadline(deps, session, (current) => {
    nowMs = deps.clock.now();
    const deadline = applyHeartbeat(current, input, nowMs);
    const warnings = applyUsage(current, usage, nowMs);
    crossed = warnings?.crossed ?? [];
    return warnings === undefined ? deadline : { ...deadline, resourceWarnings: warnings.resourceWarnings };
  });
  deps.metrics.count(result.written ? 'HeartbeatWrites' : 'HeartbeatsSkipped');
  if (result.written && crossed.length > 0) {
    deps.metrics.count('ResourceWarningsSent', crossed.length);
    await publishEvents(deps, crossed.map((warning) => resourceWarningEvent(result.session, warning)));
  }
  return { session: result.session, nextReportInSeconds: nextReportInSeconds(result.session, input.connectionId, nowMs, input.kind) };
};

const resourceWarningEvent = (session: Session, { resource, percent }: ResourceWarning) => ({
  type: 'Session Resource Warning' as const,
  detail: { sessionId: session.id, ownerId: session.ownerId, profile: session.profile, resource, percent, threshold: session.timeouts.resourceWarningPercent },
});

const authorized = async (deps: Pick<UseCaseDeps, 'profiles'>, session: Session, auth: HeartbeatAuth): Promise<boolean> => {
  switch (auth.type) {
    case 'owner':
      return auth.ownerId === session.ownerId;
    case 'token':
      return tokenMatches(auth.token, session.activityTokenHash);
    case 'task': {
      const profile = await deps.profiles.profileNamed(session.profile);
      return isTheTask(auth.identity, { taskArn: session.taskArn, taskRoleArn: profile?.taskRoleArn });
    }
  }
};
