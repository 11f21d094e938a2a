// A classroom burst on the local stack (README "Starting at the rate ECS allows"): 40 creates at
// once against a task runner that, like ECS, launches at most 5 tasks a second after a burst of
// 10. Every create answers 201 at once, and every session reaches `running`, none `failed`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SessionView } from '../../contract/wire';
import { SLEEPER_PROFILE, type TestStack, bootLocalStack, testConfig } from '../support/local-stack';
import { waitFor } from '../support/wait-for';

const RATE = 5;
const BURST = 10;
const OWNERS = 10;
const PER_OWNER = 4;

let env: TestStack;

beforeAll(async () => {
  env = await bootLocalStack({
    // `sleep` rather than the node sleeper: forty tasks at once on a shared machine.
    config: testConfig({ local: { command: ['sleep', '600'] } }, { taskStartRate: { perSecond: RATE, burst: BURST } }),
    taskStartRate: { ratePerSecond: RATE, burst: BURST },
  });
});

afterAll(async () => {
  await env?.cleanup();
});

type Created = { session: SessionView };

describe('classroom burst', () => {
  it('40 creates at once at 5 tasks/s (burst 10): no 5xx, every session running', async () => {
    const owners = Array.from({ length: OWNERS }, (_, i) => `student-${i}`);
    const tokens = await Promise.all(owners.map((o) => env.token(o)));
    const began = Date.now();
    const answers = await Promise.all(
      owners.flatMap((_, i) =>
        Array.from({ length: PER_OWNER }, () => env.api<Created>('POST', '/sessions', { token: tokens[i] ?? null, body: { profile: SLEEPER_PROFILE } })),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
    for (const { body } of answers) expect(body.session).toMatchObject({ status: 'starting', queuedAt: expect.any(String) as string });
    // Beyond the burst, a create's answer says where its start stands in line.
    const waiting = answers.map((a) => a.body.session).filter((s) => s.queuePosition !== undefined);
    expect(waiting.length).toBeGreaterThan(0);
    for (const s of waiting) expect(s.startEstimateSeconds).toBeGreaterThanOrEqual(0);

    const statuses = async (): Promise<SessionView[]> =>
      (
        await Promise.all(
          tokens.map(async (token) => (await env.api<{ sessions: SessionView[] }>('GET', '/sessions', { token: token ?? null })).body.sessions),
        )
      ).flat();
    // The rate allows (40 - 10) / 5 = 6 s; generous bound for a loaded machine.
    const sessions = await waitFor(
      async () => {
        const all = await statuses();
        expect(all.filter((s) => s.status === 'failed')).toEqual([]);
        return all.length === OWNERS * PER_OWNER && all.every((s) => s.status === 'running') ? all : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'every session to be running' },
    );
    expect(sessions).toHaveLength(OWNERS * PER_OWNER);
    // Never faster than the rate allows: the last start came at least (40 - 10) / 5 s after the first.
    expect(Date.now() - began).toBeGreaterThanOrEqual(((OWNERS * PER_OWNER - BURST) / RATE) * 1000 - 500);
    // The idle clock started at RUNNING, not at create.
    for (const s of sessions) expect(Date.parse(s.expiresAt)).toBeGreaterThanOrEqual(Date.parse(s.startedAt ?? '') + 60_000 - 1);
  }, 90_000);
});
