// atExpression: EventBridge Scheduler one-time expressions. A published sample had every month off
// by one because nothing tested its formatter; these examples pin the format down.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { atExpression } from '../../../lambdas/domain/schedule-expression';

const originalTz = process.env.TZ;

afterEach(() => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

describe('atExpression', () => {
  it('formats a UTC instant without milliseconds', () => {
    expect(atExpression(new Date('2026-03-10T12:05:09.000Z'))).toBe('at(2026-03-10T12:05:09)');
  });

  it('accepts epoch milliseconds as well as a Date', () => {
    expect(atExpression(Date.parse('2026-03-10T12:05:09.000Z'))).toBe('at(2026-03-10T12:05:09)');
  });

  it('rounds milliseconds up to the next second, so a schedule never fires early', () => {
    expect(atExpression(new Date('2026-03-10T12:05:09.001Z'))).toBe('at(2026-03-10T12:05:10)');
    expect(atExpression(new Date('2026-03-10T12:05:09.999Z'))).toBe('at(2026-03-10T12:05:10)');
  });

  it.each([
    ['2026-12-31T23:59:59.500Z', 'at(2027-01-01T00:00:00)'],
    ['2026-01-31T23:59:59.001Z', 'at(2026-02-01T00:00:00)'],
    ['2026-04-30T23:59:59.750Z', 'at(2026-05-01T00:00:00)'],
    ['2026-06-30T23:59:59.999Z', 'at(2026-07-01T00:00:00)'],
  ])('carries rounding across day, month and year boundaries: %s', (input, expected) => {
    expect(atExpression(new Date(input))).toBe(expected);
  });

  it.each(['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'])('writes month %s as itself', (month) => {
    expect(atExpression(new Date(`2026-${month}-15T08:30:00Z`))).toBe(`at(2026-${month}-15T08:30:00)`);
  });

  it('gets January, February and December right at their edges', () => {
    expect(atExpression(new Date('2026-01-01T00:00:00Z'))).toBe('at(2026-01-01T00:00:00)');
    expect(atExpression(new Date('2026-02-28T23:59:59Z'))).toBe('at(2026-02-28T23:59:59)');
    expect(atExpression(new Date('2026-12-31T23:59:59Z'))).toBe('at(2026-12-31T23:59:59)');
  });

  it('knows leap days', () => {
    expect(atExpression(new Date('2028-02-29T12:00:00Z'))).toBe('at(2028-02-29T12:00:00)');
    expect(atExpression(new Date('2028-02-28T23:59:59.500Z'))).toBe('at(2028-02-29T00:00:00)');
    expect(atExpression(new Date('2027-02-28T23:59:59.500Z'))).toBe('at(2027-03-01T00:00:00)');
  });

  it('writes an instant given with an offset in UTC', () => {
    expect(atExpression(new Date('2026-03-01T01:30:00.250+02:00'))).toBe('at(2026-02-28T23:30:01)');
    expect(atExpression(new Date('2026-12-31T20:00:00-05:00'))).toBe('at(2027-01-01T01:00:00)');
  });

  it('does not depend on the local time zone of the process', () => {
    process.env.TZ = 'Pacific/Kiritimati'; // UTC+14: a local-time bug would change the date

    expect(atExpression(new Date('2026-12-31T23:00:00Z'))).toBe('at(2026-12-31T23:00:00)');
  });

  it('refuses an invalid date', () => {
    expect(() => atExpression(new Date('not a date'))).toThrow(RangeError);
    expect(() => atExpression(Number.NaN)).toThrow(RangeError);
  });

  it('always names the first whole second at or after the instant', () => {
    const from = Date.parse('2000-01-01T00:00:00Z');
    const to = Date.parse('2099-12-31T23:59:59Z');
    fc.assert(
      fc.property(fc.integer({ min: from, max: to }), (epochMs) => {
        const expression = atExpression(epochMs);

        const match = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(expression);
        expect(match).not.toBeNull();
        const firesAt = Date.parse(`${match?.[1] ?? ''}Z`);
        expect(firesAt % 1000).toBe(0);
        expect(firesAt).toBeGreaterThanOrEqual(epochMs);
        expect(firesAt - epochMs).toBeLessThan(1000);
      }),
      { numRuns: 300 },
    );
  });
});
