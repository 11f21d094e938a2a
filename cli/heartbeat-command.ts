// `sessionctl heartbeat`: one activity report, or with --for a stream of them that obeys the API's
// nextReportInSeconds (README "HTTP API", activity): it never reports sooner than the answer says
// would matter. Connect and disconnect name a connection; a connect without --connection-id gets a
// fresh id, printed so that the matching disconnect can name it.
import { randomBytes } from 'node:crypto';
import { type Command, Option } from 'commander';
import { type ActivityReport, type ActivityResponse, type HeartbeatKind } from '../contract/wire';
import { HEARTBEAT_KINDS } from '../contract/vocabulary';
import { type CliIo } from './cli-io';
import { type CommandContext, contextOf } from './cli-context';
import { UsageError, positiveInteger } from './option-parsers';
import { expiresIn, formatSessionTable, reasonOf } from './session-format';

interface HeartbeatOptions {
  kind: HeartbeatKind;
  connectionId?: string;
  sessionToken?: string;
  /** Keep reporting for this many seconds. */
  for?: number;
}

/** A new connection id for a connect that names none: `sessionctl-` and 8 hex digits. */
export const newConnectionId = (): string => `sessionctl-${randomBytes(4).toString('hex')}`;

const reportOf = (options: HeartbeatOptions): ActivityReport => {
  const { kind, connectionId } = options;
  if (kind === 'connect') return { kind, connectionId: connectionId ?? newConnectionId() };
  if (kind === 'disconnect') {
    // A new id was never connected, so disconnecting it would change nothing: say so instead.
    if (connectionId === undefined) throw new UsageError('disconnect needs --connection-id: the id its connect used');
    return { kind, connectionId };
  }
  return { kind, ...(connectionId !== undefined && { connectionId }) };
};

const sleepOf = (io: CliIo): ((ms: number) => Promise<void>) =>
  io.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));

const once = async (ctx: CommandContext, id: string, report: ActivityReport, sessionToken: string | undefined): Promise<ActivityResponse> => {
  // With the session's own token no bearer token is needed (or minted): that is how a task reports.
  const client = await ctx.client(sessionToken !== undefined ? 'none' : 'user');
  const { body } = await client.recordHeartbeat(id, report, sessionToken);
  return body;
};

const recordOnce = async (ctx: CommandContext, id: string, options: HeartbeatOptions): Promise<void> => {
  const report = reportOf(options);
  const body = await once(ctx, id, report, options.sessionToken);
  // The answer does not name the connection, so a generated id is told also with --json (on stderr).
  if (report.kind === 'connect' && options.connectionId === undefined) {
    ctx.note(`(connection id ${report.connectionId}: pass --connection-id ${report.connectionId} to disconnect it)`);
  }
  if (ctx.json) return ctx.printJson(body);
  ctx.print(formatSessionTable([body.session], ctx.nowMs()));
  ctx.note(`(next report in ${body.nextReportInSeconds} s: an interaction reported sooner changes nothing)`);
};

/**
 * Reports again and again for `seconds`, each time waiting what the answer says (at least 1 s):
 * the client the API asks for. One line per report (one JSON object per line with --json).
 */
const recordFor = async (ctx: CommandContext, id: string, options: HeartbeatOptions, seconds: number): Promise<void> => {
  const report = reportOf(options);
  if (report.kind === 'connect' || report.kind === 'disconnect') {
    throw new UsageError('--for repeats interactions and pings; a connect or disconnect is sent once');
  }
  const sleep = sleepOf(ctx.io);
  const endMs = ctx.nowMs() + seconds * 1000;
  for (;;) {
    const body = await once(ctx, id, report, options.sessionToken);
    const waitMs = Math.max(1, body.nextReportInSeconds) * 1000;
    if (ctx.json) ctx.io.stdout.write(`${JSON.stringify(body)}\n`);
    else {
      const { session } = body;
      ctx.print(`${report.kind}: expires in ${expiresIn(session, ctx.nowMs())} (${reasonOf(session)}); next report in ${body.nextReportInSeconds} s`);
    }
    if (ctx.nowMs() + waitMs > endMs) return;
    await sleep(waitMs);
  }
};

export const addHeartbeatCommand = (program: Command, io: CliIo): void => {
  program
    .command('heartbeat')
    .description('report activity for a session (as its owner, or as the session with --session-token)')
    .argument('<id>', 'session id')
    .addOption(
      new Option('--kind <kind>', 'interaction moves the idle deadline; busy (the task is working) moves it where the profile has a busy policy, else counts as ping; ping proves presence only; connect/disconnect open and close a connection')
        .choices(HEARTBEAT_KINDS)
        .default('interaction'),
    )
    .option('--connection-id <id>', 'the connection to name (connect: default a new sessionctl-<hex> id, printed; disconnect: required)')
    .option('--session-token <token>', 'authenticate as the session itself with its activity token (X-Session-Token)')
    .option('--for <seconds>', 'keep reporting for this long, each time waiting the nextReportInSeconds the API answers', positiveInteger)
    .action((id: string, options: HeartbeatOptions, command: Command) => {
      const ctx = contextOf(command, io);
      return options.for === undefined ? recordOnce(ctx, id, options) : recordFor(ctx, id, options, options.for);
    });
};
