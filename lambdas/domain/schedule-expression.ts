// EventBridge Scheduler one-time expressions: `at(yyyy-mm-ddThh:mm:ss)`, read in the schedule's
// time zone, which we always set to UTC. Seconds are kept; milliseconds are not allowed, so a
// deadline with milliseconds rounds up (firing a little late is safe, early is not).

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export const atExpression = (when: Date | number): string => {
  const epochMs = typeof when === 'number' ? when : when.getTime();
  if (!Number.isFinite(epochMs)) throw new RangeError('atExpression needs a valid date');
  const d = new Date(Math.ceil(epochMs / 1000) * 1000);
  return (
    `at(${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())})`
  );
};

export const SCHEDULE_TIMEZONE = 'UTC';
