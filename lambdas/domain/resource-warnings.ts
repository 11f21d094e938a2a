// Per-session resource warnings (README "Resource warnings"): the session agent reports how full its
// task's memory and disk are (`usage`, in percent of the task's own limits); the server measures
// nothing. A resource at or above the profile's `resourceWarningPercent` gets a warning on the
// record, written once when it crosses (one `Session Resource Warning` event), and kept while it stays
// above; a reading below the threshold removes it, so the next crossing warns again. A report
// without a reading for a resource changes nothing about it, so an agent that cannot read the disk
// neither raises nor clears a disk warning.
import { WATCHED_RESOURCES, type WatchedResource } from '../../contract/vocabulary';
import { type ResourceUsage, type ResourceWarning } from '../../contract/wire';
import { type Session, iso } from './session';

export { type ResourceWarning, WATCHED_RESOURCES, type WatchedResource };

/** What a report's `usage` changes: the warnings to write (`null`: none left) and the new crossings. */
export interface UsageChange {
  resourceWarnings: ResourceWarning[] | null;
  /** The resources that crossed the threshold with this report, one event each. */
  crossed: ResourceWarning[];
}

const readingOf = (usage: ResourceUsage, resource: WatchedResource): number | undefined =>
  resource === 'memory' ? usage.memoryPercent : usage.diskPercent;

/**
 * The change a report's `usage` makes to the record's warnings, or `undefined` when it makes none
 * (no usage, every reading on the side of the threshold the record already says): a report that
 * stays above, or stays below, writes nothing.
 */
export const applyUsage = (
  session: Pick<Session, 'resourceWarnings' | 'timeouts'>,
  usage: ResourceUsage | undefined,
  nowMs: number,
): UsageChange | undefined => {
  // A session created before profiles had a threshold keeps its snapshot without one: no warnings.
  const threshold = (session.timeouts as Partial<Session['timeouts']>).resourceWarningPercent;
  if (usage === undefined || threshold === undefined) return undefined;
  const held = session.resourceWarnings ?? [];
  const crossed: ResourceWarning[] = [];
  let changed = false;
  const next = WATCHED_RESOURCES.flatMap((resource): ResourceWarning[] => {
    const warning = held.find((w) => w.resource === resource);
    const percent = readingOf(usage, resource);
    if (percent === undefined) return warning ? [warning] : [];
    if (percent < threshold) {
      if (warning) changed = true;
      return [];
    }
    if (warning) return [warning];
    const raised = { resource, percent, since: iso(nowMs) };
    crossed.push(raised);
    changed = true;
    return [raised];
  });
  if (!changed) return undefined;
  return { resourceWarnings: next.length > 0 ? next : null, crossed };
};
