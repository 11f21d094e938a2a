// effectiveTimeouts: what a new session gets from its profile and the request; requests may only
// choose inside the profile's bounds.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lambdas/domain/errors';
import { type Profile, effectiveTimeouts } from '../../../lambdas/domain/profile';
import { thrownBy } from '../../support/thrown';

const profile: Profile = {
  name: 'demo',
  idleTimeoutSeconds: { default: 900, min: 60, max: 3600 },
  maxLifetimeSeconds: { default: 28800, min: 600, max: 86400 },
  disconnectGraceSeconds: 600,
  warnBeforeSeconds: 60,
  activeWithinSeconds: 120,
  idleWithinSeconds: 600,
  stopTimeoutSeconds: 30,
  resourceWarningPercent: 90,
  maxSessionsPerOwner: 5,
};

describe('effectiveTimeouts', () => {
  it('gives the profile defaults when the request chooses nothing', () => {
    expect(effectiveTimeouts(profile)).toEqual({
      idleTimeoutSeconds: 900,
      maxLifetimeSeconds: 28800,
      disconnectGraceSeconds: 600,
      warnBeforeSeconds: 60,
      activeWithinSeconds: 120,
      idleWithinSeconds: 600,
      stopTimeoutSeconds: 30,
      resourceWarningPercent: 90,
    });
  });

  it('takes requested timeouts inside the bounds, bounds included', () => {
    expect(effectiveTimeouts(profile, { idleTimeoutSeconds: 60, maxLifetimeSeconds: 86400 })).toMatchObject({
      idleTimeoutSeconds: 60,
      maxLifetimeSeconds: 86400,
    });
    expect(effectiveTimeouts(profile, { idleTimeoutSeconds: 3600, maxLifetimeSeconds: 600 })).toMatchObject({
      idleTimeoutSeconds: 3600,
      maxLifetimeSeconds: 600,
    });
  });

  it('leaves out the disconnect grace and warning when the profile has none', () => {
    const { disconnectGraceSeconds: _grace, warnBeforeSeconds: _warn, ...plain } = profile;

    const timeouts = effectiveTimeouts(plain);

    expect(timeouts).not.toHaveProperty('disconnectGraceSeconds');
    expect(timeouts).not.toHaveProperty('warnBeforeSeconds');
  });

  it.each([
    ['idleTimeoutSeconds', { idleTimeoutSeconds: 59 }],
    ['idleTimeoutSeconds', { idleTimeoutSeconds: 3601 }],
    ['idleTimeoutSeconds', { idleTimeoutSeconds: 90.5 }],
    ['idleTimeoutSeconds', { idleTimeoutSeconds: -1 }],
    ['maxLifetimeSeconds', { maxLifetimeSeconds: 599 }],
    ['maxLifetimeSeconds', { maxLifetimeSeconds: 86401 }],
    ['maxLifetimeSeconds', { maxLifetimeSeconds: Number.NaN }],
  ])('rejects an out-of-bounds request naming %s (%o)', (field, request) => {
    const error = thrownBy(() => effectiveTimeouts(profile, request));

    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field });
    expect((error as ValidationError).message).toContain(field);
  });
});
