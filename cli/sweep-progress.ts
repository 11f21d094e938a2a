// Progress display for `sweep`, honest about what it knows. The sweep runs on the server in one
// request that reports nothing until it is done, so while waiting there is only a spinner with the
// elapsed time; once the report is back and covers many items, a bar shows how many were handled
// without failure. Both are drawn on stderr and only on a terminal, so pipes and --json stay clean.
import { type Options, SingleBar } from 'cli-progress';
import { type SweepReport } from '../contract/wire';
import { type CliStream } from './cli-io';

/** Reports with at least this many items get the outcome bar; smaller ones are read at a glance. */
export const OUTCOME_BAR_MIN_ITEMS = 10;

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

const barOptions = (stream: CliStream, format: string, clearOnComplete: boolean): Options => ({
  stream,
  format,
  clearOnComplete,
  hideCursor: true,
  barsize: 30,
  barCompleteChar: '█',
  barIncompleteChar: '░',
  // Draw only on a terminal: cli-progress would otherwise print nothing useful to a pipe anyway.
  noTTYOutput: false,
});

export interface WaitIndicator {
  stop(): void;
}

/** A spinner with the elapsed seconds while the one sweep request is in flight; a no-op off a terminal. */
export const startWaitIndicator = (stream: CliStream, label: string, nowMs: () => number = Date.now): WaitIndicator => {
  if (stream.isTTY !== true) return { stop: () => undefined };
  const started = nowMs();
  const bar = new SingleBar(barOptions(stream, `{spinner} ${label} {elapsed}s`, true));
  let frame = 0;
  const payload = (): { spinner: string; elapsed: string } => ({
    spinner: SPINNER[frame % SPINNER.length] ?? '*',
    elapsed: ((nowMs() - started) / 1000).toFixed(1),
  });
  bar.start(1, 0, payload());
  const timer = setInterval(() => {
    frame += 1;
    bar.update(payload());
  }, 100);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      bar.stop();
    },
  };
};

export const itemCount = (report: SweepReport): number =>
  report.expired.length + report.stuck.length + report.orphans.length + report.lost.length + report.failures.length;

/**
 * After a real (not dry) sweep of many items: one bar of the items handled without failure out of all
 * the report lists. It is drawn once, from the finished report; it does not show live progress.
 */
export const drawOutcomeBar = (stream: CliStream, report: SweepReport): boolean => {
  const total = itemCount(report);
  if (stream.isTTY !== true || report.dryRun || total < OUTCOME_BAR_MIN_ITEMS) return false;
  const failed = report.failures.length;
  const bar = new SingleBar(barOptions(stream, 'handled {bar} {value}/{total} items ({failed} failed)', false));
  bar.start(total, total - failed, { failed });
  bar.stop();
  return true;
};
