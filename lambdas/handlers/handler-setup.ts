// What a handler is made with. Each handler module exports a factory taking a `HandlerSetup` and,
// as its Lambda entry, `handler` = that factory called with its Lambda root's setup (lambdas/roots/:
// deps from the environment, JSON log). The local stack calls the same factories with its own
// setup, so locally the very same handler code runs on local adapters.
import { type JwtVerifier } from '../adapters/auth/jwt-verifier';
import { type Log } from '../ports/observability';
import { type UseCaseDeps } from '../use-cases/use-case-deps';

/** What the handlers need: the use cases' dependencies plus how to authenticate callers. */
export interface HandlerDeps extends UseCaseDeps {
  /** Verifies Bearer tokens on the one route without an API Gateway authorizer (activity). */
  jwtVerifier: JwtVerifier;
  /** Members of this group (in `cognito:groups` or `groups`) are admins. */
  adminGroup: string;
  /** This deployment's `startedBy` marker: task events of any other marker are not ours. */
  taskMarker: string;
}

/**
 * `D` is what the handler's use cases need (expire: `EndSessionDeps`, ...): its Lambda root builds
 * only that (README "Performance"), while the local stack and tests may give all of `HandlerDeps`.
 */
export interface HandlerSetup<D = HandlerDeps> {
  /**
   * The dependencies, asked for on each invocation where needed: on Lambda they are built from the
   * environment on first use, so a malformed event is still dropped (and /health still answers)
   * when the environment is broken.
   */
  deps: () => D;
  /** The handler's own lines: outcomes, dropped events, failures, the access log. */
  log: Log;
}
