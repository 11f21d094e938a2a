// Injects fake ports into the wiring for tests of the event-driven handlers (they need no JWTs).
import { UnauthorizedError } from '../../../lambdas/domain/errors';
import { resetDeps, setDeps } from '../../../lambdas/wiring';
import { type FakeDeps, TEST_TASK_MARKER, makeDeps } from '../../support/fakes';

/** `taskMarker`: the deployment's marker the handler accepts task events of (default the test one). */
export const injectFakeDeps = (options: { taskMarker?: string } = {}): FakeDeps => {
  const deps = makeDeps();
  resetDeps();
  setDeps({
    ...deps,
    jwtVerifier: { verify: () => Promise.reject(new UnauthorizedError('no tokens in this test')) },
    adminGroup: 'session-admins',
    taskMarker: options.taskMarker ?? TEST_TASK_MARKER,
  });
  return deps;
};
