// The profile the in-memory heartbeat benchmarks create their sessions of: only the idle timeout
// differs between cases, so each case's figures depend on that and nothing else.
import { type Profile } from '../../lambdas/domain/profile';

export const benchProfile = (idleTimeoutSeconds: number, minIdleTimeoutSeconds = 1): Profile => ({
  name: 'bench',
  idleTimeoutSeconds: { default: idleTimeoutSeconds, min: minIdleTimeoutSeconds, max: 14_400 },
  maxLifetimeSeconds: { default: 8 * 3600, min: 600, max: 24 * 3600 },
  activeWithinSeconds: 120,
  idleWithinSeconds: 600,
  stopTimeoutSeconds: 30,
  resourceWarningPercent: 90,
  maxSessionsPerOwner: 1_000,
});
