// The event pattern matcher decides whether a rule would deliver an event at all, so it must say
// no as readily as yes: exact values, lists of alternatives, nested objects, arrays in the event,
// the content filters, and a clear error for an operator it does not know.
import { describe, expect, it } from 'vitest';
import { matchesEventPattern } from './event-pattern';

const event = {
  source: 'aws.ecs',
  'detail-type': 'ECS Task State Change',
  detail: { clusterArn: 'arn:aws:ecs:eu-west-1:1:cluster/c', lastStatus: 'STOPPED', version: 3, tags: ['a', 'b'], empty: null },
};

describe('matchesEventPattern', () => {
  it('matches when every field matches one of its alternatives, nested objects field by field', () => {
    expect(matchesEventPattern({ source: ['aws.ecs'], detail: { lastStatus: ['RUNNING', 'STOPPED'] } }, event)).toBe(true);
    expect(matchesEventPattern({ source: ['aws.ecs'], detail: { lastStatus: ['RUNNING'] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { missing: ['x'] } }, event)).toBe(false);
    expect(matchesEventPattern({ source: { nested: ['x'] } }, event)).toBe(false);
  });

  it('matches an array in the event when any element matches', () => {
    expect(matchesEventPattern({ detail: { tags: ['b'] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { tags: ['c'] } }, event)).toBe(false);
  });

  it('compares literals exactly: types count, null matches null', () => {
    expect(matchesEventPattern({ detail: { version: [3] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { version: ['3'] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { empty: [null] } }, event)).toBe(true);
  });

  it.each([
    [{ prefix: 'arn:aws:ecs:' }, true],
    [{ prefix: 'arn:aws:lambda:' }, false],
    [{ prefix: { 'equals-ignore-case': 'ARN:AWS:ECS' } }, true],
    [{ suffix: 'cluster/c' }, true],
    [{ suffix: 'cluster/d' }, false],
    [{ 'equals-ignore-case': 'ARN:AWS:ECS:EU-WEST-1:1:CLUSTER/C' }, true],
    [{ wildcard: 'arn:aws:ecs:*:cluster/*' }, true],
    [{ wildcard: 'arn:aws:ecs:*:service/*' }, false],
    [{ 'anything-but': 'arn:aws:ecs:eu-west-1:1:cluster/c' }, false],
    [{ 'anything-but': ['x', 'y'] }, true],
    [{ 'anything-but': { prefix: 'arn:aws:ecs:' } }, false],
    [{ exists: true }, true],
    [{ exists: false }, false],
  ])('applies the content filter %j to a present field (%s)', (filter, expected) => {
    expect(matchesEventPattern({ detail: { clusterArn: [filter] } }, event)).toBe(expected);
  });

  it('lets only exists:false match a missing field', () => {
    expect(matchesEventPattern({ detail: { missing: [{ exists: false }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { missing: [{ 'anything-but': 'x' }] } }, event)).toBe(false);
  });

  it('compares numbers with numeric ranges', () => {
    expect(matchesEventPattern({ detail: { version: [{ numeric: ['>', 2, '<=', 3] }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { version: [{ numeric: ['>', 3] }] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { lastStatus: [{ numeric: ['>', 0] }] } }, event)).toBe(false);
  });

  it('matches $or when any of its patterns does', () => {
    expect(matchesEventPattern({ $or: [{ source: ['aws.lambda'] }, { detail: { lastStatus: ['STOPPED'] } }] }, event)).toBe(true);
    expect(matchesEventPattern({ $or: [{ source: ['aws.lambda'] }, { detail: { lastStatus: ['RUNNING'] } }] }, event)).toBe(false);
  });

  it('refuses an operator it does not know instead of guessing', () => {
    expect(() => matchesEventPattern({ detail: { clusterArn: [{ cidr: '10.0.0.0/24' }] } }, event)).toThrow(/unsupported content filter cidr/);
  });
});
