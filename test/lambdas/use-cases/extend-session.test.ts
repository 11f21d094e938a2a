import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../../lambdas/domain/errors';
import { iso } from '../../../lambdas/domain/session';
import { extendSession } from '../../../lambdas/use-cases/extend-session';
import { terminateSession } from '../../../lambdas/use-cases/terminate-session';
import { type FakeDeps, HOUR, MINUTE, T0, makeDeps } from '../../support/fakes';
import { OWNER, runningSession } from './steps';

describe('extendSession', () => {
  let d: FakeDeps;
  beforeEach(() => {
    d = makeDeps();
  });

  it('keeps the session alive for the asked time with one write and no Scheduler call', async () => {
    const { session } = await runningSession(d);
    const schedulerCalls = d.scheduler.calls;

    const after = await extendSession(d, { id: session.id, ownerId: OWNER, seconds: 2 * 3600 });

    expect(after).toMatchObject({ extendedUntil: iso(T0 + 2 * HOUR), expiresAt: iso(T0 + 2 * HOUR), version: session.version + 1 });
    expect(d.store.peek(session.id)).toEqual(after);
    expect(d.scheduler.calls).toBe(schedulerCalls);
  });

  it('never goes past the max lifetime, and the deadline then says so', async () => {
    const { session } = await runningSession(d, { maxLifetimeSeconds: 3600 });

    const after = await extendSession(d, { id: session.id, ownerId: OWNER, seconds: 5 * 3600 });

    expect(after).toMatchObject({ extendedUntil: iso(T0 + HOUR), expiresAt: iso(T0 + HOUR), expiryReason: 'max_lifetime' });
  });

  it('never shortens an earlier extend', async () => {
    const { session } = await runningSession(d);
    await extendSession(d, { id: session.id, ownerId: OWNER, seconds: 3 * 3600 });
    d.clock.advance(10 * MINUTE);

    const after = await extendSession(d, { id: session.id, ownerId: OWNER, seconds: 600 });

    expect(after.extendedUntil).toBe(iso(T0 + 3 * HOUR));
  });

  it('another owner is told the session does not exist', async () => {
    const { session } = await runningSession(d);

    await expect(extendSession(d, { id: session.id, ownerId: 'mallory', seconds: 600 })).rejects.toBeInstanceOf(NotFoundError);
    expect(d.store.peek(session.id).extendedUntil).toBeUndefined();
  });

  it('refuses a non-positive or fractional number of seconds', async () => {
    const { session } = await runningSession(d);

    await expect(extendSession(d, { id: session.id, ownerId: OWNER, seconds: 0 })).rejects.toBeInstanceOf(ValidationError);
    await expect(extendSession(d, { id: session.id, ownerId: OWNER, seconds: 1.5 })).rejects.toBeInstanceOf(ValidationError);
  });

  it('refuses to extend a session that is stopping', async () => {
    const { session } = await runningSession(d);
    await terminateSession(d, { id: session.id, caller: { ownerId: OWNER, isAdmin: false } });

    await expect(extendSession(d, { id: session.id, ownerId: OWNER, seconds: 600 })).rejects.toBeInstanceOf(ConflictError);
  });
});
