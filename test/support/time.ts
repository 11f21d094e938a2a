// The instant and units tests count time in, so that fake clocks, fixtures and expected values agree
// on one "now" without each test file keeping its own copy.

/** 2026-03-10T12:00:00Z (a Tuesday, mid-month, no DST edge: UTC anyway): where fixed clocks start. */
export const T0 = Date.parse('2026-03-10T12:00:00.000Z');
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
