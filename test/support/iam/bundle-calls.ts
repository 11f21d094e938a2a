// The strongest evidence for least privilege: the calls the real bundles made while a test drove
// them, each authorized by the IAM policy simulator against the execution role the template gives
// that very function. A call the code makes without its entry in contract/function-calls.ts (so
// without its grant) shows up here as denied, as it would be denied on AWS.
import { type DeployedApp } from '../deployed-app';
import { requestsOfCall } from './call-requests';
import { functionIdentityWithArn, sessionOf } from './deployed-roles';
import { decide, describeRequest } from './simulator';

/** Every call of an unaltered invocation that its function's role does not allow, described. */
export const callsTheirRolesRefuse = async (app: Pick<DeployedApp, 'invocations' | 'resolver'>): Promise<string[]> => {
  const refused = new Set<string>();
  const decided = new Map<string, boolean>();
  for (const { fn, altered, calls } of app.invocations) {
    if (altered) continue;
    const session = sessionOf(functionIdentityWithArn(app.resolver, fn.arn));
    for (const call of calls) {
      for (const request of requestsOfCall(app.resolver, call)) {
        // Task and schedule names differ per call; the decision depends on their pattern only.
        const key = `${fn.logicalId} ${describeRequest(request)}`;
        if (!decided.has(key)) decided.set(key, (await decide(session, request)) === 'Allowed');
        if (decided.get(key) === false) refused.add(`${fn.logicalId} (${call.service} ${call.operation}): ${describeRequest(request)}`);
      }
    }
  }
  return [...refused];
};
