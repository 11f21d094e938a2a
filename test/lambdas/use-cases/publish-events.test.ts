// Domain events leave the stack (other systems' rules, the notifications of README "Notifications"),
// so they carry nothing secret: a whole session lifecycle publishes no activity token, no hash of
// one and no request hash, under any key or as any value.
import { describe, expect, it } from 'vitest';
import { expireSession } from '../../../lambdas/use-cases/expire-session';
import { MINUTE, T0, makeDeps } from '../../support/fakes';
import { runningSession, taskStopped } from './steps';

describe('published domain events', () => {
  it('carry no token, hash or secret through create, warning and end', async () => {
    const d = makeDeps();
    const started = await runningSession(d, { profile: 'lab', idleTimeoutSeconds: 600 });
    const stored = d.store.peek(started.session.id);
    d.clock.set(T0 + 5 * MINUTE);
    await expireSession(d, d.scheduler.fire(`${started.session.id}-1`));
    d.clock.set(T0 + 11 * MINUTE);
    await expireSession(d, d.scheduler.fire(`${started.session.id}-2`));
    await taskStopped(d, started);

    const types = d.events.published.map((e) => e.type);
    expect(types).toEqual(['Session Created', 'Session Expiring', 'Session Ended']);
    const secrets = [started.activityToken, stored?.activityTokenHash].filter((s): s is string => typeof s === 'string');
    expect(secrets.length).toBeGreaterThan(0);
    for (const event of d.events.published) {
      expect(Object.keys(event.detail).filter((key) => /token|hash|secret/i.test(key))).toEqual([]);
      const text = JSON.stringify(event);
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
  });
});
