// The session lifecycle: who may move a session from which status to which. The legal moves are
// written out here from README "Statuses and races" and the use-case contract, independently of the
// module's table.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IllegalTransitionError } from '../../../lambdas/domain/errors';
import { SESSION_STATUSES, type SessionStatus } from '../../../lambdas/domain/session';
import { type Actor, assertTransition, canTransition, sourcesOf } from '../../../lambdas/domain/state-machine';
import { thrownBy } from '../../support/thrown';

const ACTORS: readonly Actor[] = ['owner', 'admin', 'system'];

/** Every legal `from > to by actor`; anything not listed is illegal. */
const LEGAL = new Set([
  // ECS reports RUNNING.
  'starting>running by system',
  // Ending: user request, admin request, or expiry/sweep; possible before ECS reported RUNNING.
  'starting>stopping by owner',
  'starting>stopping by admin',
  'starting>stopping by system',
  'running>stopping by owner',
  'running>stopping by admin',
  'running>stopping by system',
  // The stop completed, or the task exited on its own (also before it reached RUNNING).
  'stopping>stopped by system',
  'running>stopped by system',
  'starting>stopped by system',
  // RunTask failed.
  'starting>failed by system',
]);

const key = (from: SessionStatus, to: SessionStatus, actor: Actor): string => `${from}>${to} by ${actor}`;

const allTriples = SESSION_STATUSES.flatMap((from) =>
  SESSION_STATUSES.flatMap((to) => ACTORS.map((actor) => [from, to, actor] as const)),
);
const legalTriples = allTriples.filter(([from, to, actor]) => LEGAL.has(key(from, to, actor)));
const illegalTriples = allTriples.filter(([from, to, actor]) => !LEGAL.has(key(from, to, actor)));

describe('state machine', () => {
  it.each(legalTriples)('allows %s -> %s by %s', (from, to, actor) => {
    expect(canTransition(from, to, actor)).toBe(true);
    expect(() => assertTransition(from, to, actor)).not.toThrow();
  });

  it.each(illegalTriples)('rejects %s -> %s by %s', (from, to, actor) => {
    expect(canTransition(from, to, actor)).toBe(false);
    expect(() => assertTransition(from, to, actor)).toThrow(IllegalTransitionError);
  });

  it('never lets an ended session move again, whoever asks', () => {
    for (const from of ['stopped', 'failed'] as const) {
      for (const to of SESSION_STATUSES) {
        for (const actor of ACTORS) expect(canTransition(from, to, actor)).toBe(false);
      }
    }
  });

  it('never lets an owner or admin mark a session stopped, running or failed: only ECS facts do that', () => {
    for (const actor of ['owner', 'admin'] as const) {
      for (const to of ['stopped', 'running', 'failed'] as const) {
        expect(sourcesOf(to, actor)).toEqual([]);
      }
    }
  });

  it('gives the status conditions of each store write', () => {
    expect(sourcesOf('stopping', 'owner')).toEqual(['starting', 'running']);
    expect(sourcesOf('stopping', 'system')).toEqual(['starting', 'running']);
    expect(sourcesOf('stopped', 'system')).toEqual(['starting', 'running', 'stopping']);
    expect(sourcesOf('running', 'system')).toEqual(['starting']);
    expect(sourcesOf('failed', 'system')).toEqual(['starting']);
    expect(sourcesOf('starting', 'system')).toEqual([]);
  });

  it('names the move in the error, which maps to a conflict', () => {
    const attempt = (): void => assertTransition('stopped', 'stopping', 'owner');

    const error = thrownBy(attempt);

    expect(error).toBeInstanceOf(IllegalTransitionError);
    expect(error).toMatchObject({
      code: 'conflict',
      from: 'stopped',
      to: 'stopping',
      actor: 'owner',
      message: 'a session cannot go from stopped to stopping by owner',
    });
  });

  it('agrees with the independent table for arbitrary (from, to, actor)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SESSION_STATUSES),
        fc.constantFrom(...SESSION_STATUSES),
        fc.constantFrom(...ACTORS),
        (from, to, actor) => {
          const legal = LEGAL.has(key(from, to, actor));

          expect(canTransition(from, to, actor)).toBe(legal);
          expect(sourcesOf(to, actor).includes(from)).toBe(legal);
          if (legal) expect(() => assertTransition(from, to, actor)).not.toThrow();
          else expect(() => assertTransition(from, to, actor)).toThrow(IllegalTransitionError);
        },
      ),
      { numRuns: 300 },
    );
  });
});
