// The sweep handler: returns the report; per-item failures are reported, not thrown; a sweep that
// could not run at all throws.
import { beforeEach, describe, expect, it } from 'vitest';
import { ms } from '../../../lambdas/domain/session';
import { handler } from '../../../lambdas/handlers/sweep';
import { createSession } from '../../../lambdas/use-cases/create-session';
import { type SweepReport } from '../../../contract/wire';
import { type FakeDeps, throttled } from '../../support/fakes';
import { lambdaContext } from '../../support/apigw-events';
import { captureOutput, logLines } from '../../support/captured-output';
import { injectFakeDeps } from './fake-handler-deps';

let deps: FakeDeps;
let output: string[];

beforeEach(() => {
  deps = injectFakeDeps();
  output = [];
});

const invoke = (payload: unknown) => captureOutput(output, () => handler(payload, lambdaContext('session-expiry-sweep')));

/** A running session whose deadline passed (its schedule never fired). */
const overdueRunning = async () => {
  const { session } = await createSession(deps, { ownerId: 'user-1', profile: 'notebook' });
  deps.store.seed({ ...deps.store.peek(session.id), status: 'running', startedAt: session.createdAt });
  deps.tasks.setStatus(String(session.taskArn), 'RUNNING');
  deps.clock.set(ms(session.expiresAt) + 60_000);
  return session;
};

describe('sweep handler', () => {
  it('sweeps for real by default and returns the report', async () => {
    const session = await overdueRunning();

    const result = (await invoke({})) as SweepReport;

    expect(result.dryRun).toBe(false);
    expect(result.expired.map((i) => i.sessionId)).toEqual([session.id]);
    expect(deps.store.peek(session.id).status).toBe('stopping');
  });

  it('treats an empty invocation as a real sweep', async () => {
    const result = (await invoke(null)) as SweepReport;

    expect(result.dryRun).toBe(false);
  });

  it('changes nothing on a dry run', async () => {
    const session = await overdueRunning();

    const result = (await invoke({ dryRun: true })) as SweepReport;

    expect(result.dryRun).toBe(true);
    expect(result.expired.map((i) => i.sessionId)).toEqual([session.id]);
    expect(deps.store.peek(session.id).status).toBe('running');
  });

  it('drops a payload whose dryRun is not a boolean rather than guess', async () => {
    const session = await overdueRunning();

    const result = await invoke({ dryRun: 'yes' });

    expect(result).toEqual({ dropped: true });
    expect(deps.store.peek(session.id).status).toBe('running');
  });

  it('reports a failed repair in the result and returns normally', async () => {
    const session = await overdueRunning();
    deps.tasks.failures.failNext('stop', throttled());

    const result = (await invoke({})) as SweepReport;

    expect(result.failures).toEqual([expect.objectContaining({ sessionId: session.id })]);
    expect(logLines(output).some((l) => l['level'] === 'WARN' && String(l['message']).startsWith('sweep finished with failed repairs'))).toBe(true);
  });

  it('throws when the sweep cannot run because the store query failed', async () => {
    deps.store.failures.failNext('listLive', throttled('ProvisionedThroughputExceeded'));

    await expect(invoke({})).rejects.toThrow('ProvisionedThroughputExceeded');
  });
});
