// Injects fake ports into the wiring for tests of the event-driven handlers (they need no JWTs).
import { UnauthorizedError } from '../../../lambdas/domain/errors';
import { resetDeps, setDeps } from '../../../lambdas/wiring';
import { type FakeDeps, makeDeps } from '../../support/fakes';

export const injectFakeDeps = (): FakeDeps => {
  const deps = makeDeps();
  resetDeps();
  setDeps({
    ...deps,
    jwtVerifier: { verify: () => Promise.reject(new UnauthorizedError('no tokens in this test')) },
    adminGroup: 'session-admins',
  });
  return deps;
};
