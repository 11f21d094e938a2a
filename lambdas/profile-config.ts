// A configured profile, as the domain sees it: the composition roots (Lambda wiring, local stack)
// turn the validated configuration into the profiles the use cases check requests against.
import { type AppConfig, type ProfileConfig } from '../contract/app-config';
import { type Profile } from './domain/profile';

/** The domain view of a configured profile. */
export const toProfile = (name: string, p: ProfileConfig): Profile => ({
  name,
  ...(p.description !== undefined && { description: p.description }),
  idleTimeoutSeconds: p.idleTimeoutSeconds,
  maxLifetimeSeconds: p.maxLifetimeSeconds,
  ...(p.disconnectGraceSeconds !== undefined && { disconnectGraceSeconds: p.disconnectGraceSeconds }),
  ...(p.warnBeforeSeconds !== undefined && { warnBeforeSeconds: p.warnBeforeSeconds }),
  activeWithinSeconds: p.activeWithinSeconds,
  idleWithinSeconds: p.idleWithinSeconds,
  stopTimeoutSeconds: p.stopTimeoutSeconds,
  maxSessionsPerOwner: p.maxSessionsPerOwner,
  ...(p.taskRoleArn !== undefined && { taskRoleArn: p.taskRoleArn }),
});

export const profilesOf = (config: AppConfig): Record<string, Profile> =>
  Object.fromEntries(Object.entries(config.profiles).map(([name, p]) => [name, toProfile(name, p)]));
