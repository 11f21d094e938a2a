// The operator commands: stats and sweep (admin routes). Without --token they use a locally minted
// `dev` token that carries the admin group.
import { type Command } from 'commander';
import { type SessionStats, type SweepItem, type SweepReport } from '../contract/wire';
import { type CliIo } from './cli-io';
import { type CommandContext, contextOf } from './cli-context';
import { formatDuration } from './session-format';
import { OUTCOME_BAR_MIN_ITEMS, drawOutcomeBar, startWaitIndicator } from './sweep-progress';
import { formatFields, formatTable } from './table';

/** Lambda's own ceiling; a sweep cannot run longer on AWS, and the local one is far quicker. */
const SWEEP_TIMEOUT_MS = 15 * 60 * 1000;

/** The ended statuses; the rest of `byStatus` is live now. */
const ENDED: readonly string[] = ['stopped', 'failed'];

const formatStats = (stats: SessionStats, nowMs: number): string => {
  const counts = (entries: [string, number][]): string => entries.map(([key, count]) => `${key} ${count}`).join(', ') || '-';
  const statuses = Object.entries(stats.byStatus);
  const oldest = stats.oldestLive
    ? `${stats.oldestLive.sessionId} (created ${formatDuration(nowMs - Date.parse(stats.oldestLive.createdAt))} ago)`
    : '-';
  // Ended numbers are counted as sessions end (README "HTTP API"): say since when.
  const since = stats.endedSince === undefined ? '' : ` (since ${stats.endedSince}, ${formatDuration(nowMs - Date.parse(stats.endedSince))} ago)`;
  return formatFields([
    ['live', String(stats.live)],
    ['overdue', String(stats.overdue)],
    ['oldest live', oldest],
    ['live by status', counts(statuses.filter(([status]) => !ENDED.includes(status)))],
    ['by activity', counts(Object.entries(stats.byActivityLevel))],
    ['ended', `${counts(statuses.filter(([status]) => ENDED.includes(status)))}${since}`],
    // Reasons that occurred only; an older API sends none.
    ...(stats.byEndReason === undefined ? [] : [['ended by reason', counts(Object.entries(stats.byEndReason).filter(([, n]) => n > 0))] as [string, string]]),
  ]);
};

const showStats = async (ctx: CommandContext): Promise<void> => {
  const { body } = await (await ctx.client('admin')).getStats();
  if (ctx.json) return ctx.printJson(body);
  ctx.print(formatStats(body, ctx.nowMs()));
};

type Category = 'expired' | 'stuck' | 'orphans' | 'lost' | 'failures';
const CATEGORIES: readonly Category[] = ['expired', 'stuck', 'orphans', 'lost', 'failures'];

interface ListedItem extends SweepItem {
  category: Category;
  error?: string;
}

const itemsOf = (report: SweepReport, categories: readonly Category[]): ListedItem[] =>
  categories.flatMap((category) => report[category].map((item): ListedItem => ({ ...item, category })));

const formatItems = (items: readonly ListedItem[]): string =>
  formatTable(items, [
    { header: 'category', value: (i) => i.category },
    { header: 'session', value: (i) => i.sessionId ?? '-' },
    { header: 'task', value: (i) => i.taskId ?? '-' },
    { header: 'action', value: (i) => i.action },
    { header: 'error', value: (i) => i.error ?? '' },
  ]);

export const formatSweepSummary = (report: SweepReport): string => {
  const counts = CATEGORIES.map((category) => `${report[category].length} ${category}`).join(', ');
  return `sweep${report.dryRun ? ' (dry run: nothing changed)' : ''}: ${counts}`;
};

const runSweep = async (ctx: CommandContext, options: { dryRun?: boolean; verbose?: boolean }): Promise<void> => {
  const client = await ctx.client('admin');
  const dryRun = options.dryRun === true;
  const waiting = startWaitIndicator(ctx.io.stderr, dryRun ? 'sweeping (dry run)…' : 'sweeping…');
  let report: SweepReport;
  try {
    ({ body: report } = await client.sweep(dryRun, SWEEP_TIMEOUT_MS));
  } finally {
    waiting.stop();
  }
  if (ctx.json) return ctx.printJson(report);
  drawOutcomeBar(ctx.io.stderr, report);
  ctx.print(formatSweepSummary(report));
  // Failures are always listed: they are what an operator must act on. Everything else on --verbose.
  const listed = itemsOf(report, options.verbose === true ? CATEGORIES : ['failures']);
  if (listed.length > 0) ctx.print(formatItems(listed));
};

const SWEEP_HELP = `
Progress: the sweep runs on the server in one request, which reports nothing until it is done.
On a terminal, stderr shows a spinner with the elapsed time while waiting; then, for a real
(not dry) sweep whose report holds ${OUTCOME_BAR_MIN_ITEMS} or more items, a bar of how many were handled without
failure. The bar is drawn from the finished report; it is not live progress.`;

export const addAdminCommands = (program: Command, io: CliIo): void => {
  program
    .command('stats')
    .description('counts by status and activity level, overdue and oldest live session (admin)')
    .action((_options: unknown, command: Command) => showStats(contextOf(command, io)));

  program
    .command('sweep')
    .description('run the safety-net sweep now: overdue, stuck, orphaned and lost sessions (admin)')
    .option('--dry-run', 'report what would be done, change nothing')
    .option('--verbose', 'list every item of the report, not only failures')
    .addHelpText('after', SWEEP_HELP)
    .action((options: { dryRun?: boolean; verbose?: boolean }, command: Command) => runSweep(contextOf(command, io), options));
};
