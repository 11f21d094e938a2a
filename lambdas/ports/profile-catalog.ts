// The configured profiles, as a use case asks for one: by name, when it creates a session. Where
// they come from is the composition's business: the configuration itself locally, a parameter store
// on Lambda (README, Configuration), so a lookup may need I/O and may fail (UnavailableError).
import { type Profile } from '../domain/profile';

export interface ProfileCatalog {
  /** The profile of that name, or undefined when none is configured. */
  profileNamed(name: string): Promise<Profile | undefined>;
}

/** A catalog of profiles known up front (the local stack, tests). */
export const fixedProfiles = (profiles: Readonly<Record<string, Profile>>): ProfileCatalog => ({
  // hasOwn: a profile called `constructor` or `__proto__` must not resolve to Object's members.
  profileNamed: (name) => Promise.resolve(Object.hasOwn(profiles, name) ? profiles[name] : undefined),
});
