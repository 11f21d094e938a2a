// The per-session commands: create, list, show, heartbeat (heartbeat-command.ts), extend, end. Each
// is one API call (list with --all-pages follows nextToken; heartbeat --for repeats), printed as a
// table for humans or as the raw body with --json.
import { type Command, Option } from 'commander';
import { type SessionView } from '../contract/wire';
import { LIST_STATUSES, type ListSessionsResponse, type ListStatus } from './api-client';
import { type CliIo } from './cli-io';
import { type CommandContext, contextOf } from './cli-context';
import { addHeartbeatCommand } from './heartbeat-command';
import { metadataEntry, positiveInteger } from './option-parsers';
import { formatSessionDetails, formatSessionTable } from './session-format';

interface CreateOptions {
  profile: string;
  idle?: number;
  max?: number;
  meta?: Record<string, string>;
  idempotencyKey?: string;
}

interface ListOptions {
  status?: ListStatus;
  limit?: number;
  nextToken?: string;
  allPages?: boolean;
}

/** Prints one session as a one-row table (the same columns as `list`). */
const printSession = (ctx: CommandContext, session: SessionView): void => {
  ctx.print(formatSessionTable([session], ctx.nowMs()));
};

const createSession = async (ctx: CommandContext, options: CreateOptions): Promise<void> => {
  const client = await ctx.client('user');
  const { status, body } = await client.createSession(
    {
      profile: options.profile,
      ...(options.idle !== undefined && { idleTimeoutSeconds: options.idle }),
      ...(options.max !== undefined && { maxLifetimeSeconds: options.max }),
      ...(options.meta !== undefined && { metadata: options.meta }),
    },
    options.idempotencyKey,
  );
  if (ctx.json) return ctx.printJson(body);
  printSession(ctx, body.session);
  if (body.activityToken !== undefined) {
    ctx.print(`activity token: ${body.activityToken}`);
    ctx.note('(the activity token is shown once; a local task gets it as SESSION_ACTIVITY_TOKEN, a task on AWS signs its reports with its task role instead)');
  } else if (status === 200) {
    ctx.note('(replayed: this Idempotency-Key already created the session above; its activity token is not shown again)');
  }
};

const listSessions = async (ctx: CommandContext, options: ListOptions): Promise<void> => {
  const client = await ctx.client('user');
  const sessions: SessionView[] = [];
  let nextToken = options.nextToken;
  let last: ListSessionsResponse;
  do {
    ({ body: last } = await client.listSessions({
      ...(options.status !== undefined && { status: options.status }),
      ...(options.limit !== undefined && { limit: options.limit }),
      ...(nextToken !== undefined && { nextToken }),
    }));
    sessions.push(...last.sessions);
    nextToken = last.nextToken;
  } while (options.allPages === true && nextToken !== undefined);

  // With --all-pages the pages are merged into one body of the same shape, with no nextToken left.
  if (ctx.json) return ctx.printJson(options.allPages === true ? { sessions } : last);
  const which = options.status === undefined || options.status === 'all' ? '' : `${options.status} `;
  if (sessions.length === 0) ctx.print(`no ${which}sessions`);
  else ctx.print(formatSessionTable(sessions, ctx.nowMs()));
  if (nextToken !== undefined) ctx.note(`more sessions: use --all-pages, or --next-token ${nextToken}`);
};

const showSession = async (ctx: CommandContext, id: string): Promise<void> => {
  const { body } = await (await ctx.client('user')).getSession(id);
  if (ctx.json) return ctx.printJson(body);
  ctx.print(formatSessionDetails(body.session, ctx.nowMs()));
};

const extendSession = async (ctx: CommandContext, id: string, seconds: number): Promise<void> => {
  const { body } = await (await ctx.client('user')).extendSession(id, seconds);
  if (ctx.json) return ctx.printJson(body);
  printSession(ctx, body.session);
  if (body.session.extendedUntil !== undefined && body.session.extendedUntil === body.session.maxExpiresAt) {
    ctx.note('(clamped: a session is never extended past its maximum lifetime)');
  }
};

const endSession = async (ctx: CommandContext, id: string): Promise<void> => {
  const { status, body } = await (await ctx.client('user')).endSession(id);
  if (ctx.json) return ctx.printJson(body);
  printSession(ctx, body.session);
  // 202: this call started the stop; 200: it was already stopping or ended, nothing more was done.
  if (status !== 202) ctx.note('(already stopping or ended: nothing more to do)');
};

export const addSessionCommands = (program: Command, io: CliIo): void => {
  program
    .command('create')
    .description('start a session of a profile; prints it and its activity token (shown once)')
    .requiredOption('--profile <name>', 'profile to start (see cdk.json)')
    .option('--idle <seconds>', 'idle timeout (within the profile bounds)', positiveInteger)
    .option('--max <seconds>', 'maximum lifetime (within the profile bounds)', positiveInteger)
    .option('--meta <key=value>', 'metadata entry; repeat for more', metadataEntry)
    .option('--idempotency-key <key>', 'retry-safe create: the same key returns the same session')
    .action((options: CreateOptions, command: Command) => createSession(contextOf(command, io), options));

  program
    .command('list')
    .description('list your sessions')
    .addOption(new Option('--status <status>', 'which sessions (default: all)').choices(LIST_STATUSES))
    .option('--limit <n>', 'page size', positiveInteger)
    .option('--next-token <token>', 'continue from a previous page')
    .option('--all-pages', 'follow every page and print them as one list')
    .action((options: ListOptions, command: Command) => listSessions(contextOf(command, io), options));

  program
    .command('show')
    .description('show every field of one session')
    .argument('<id>', 'session id')
    .action((id: string, _options: unknown, command: Command) => showSession(contextOf(command, io), id));

  addHeartbeatCommand(program, io);

  program
    .command('extend')
    .description('keep a session alive for N more seconds (never past its maximum lifetime)')
    .argument('<id>', 'session id')
    .requiredOption('--seconds <n>', 'seconds from now', positiveInteger)
    .action((id: string, options: { seconds: number }, command: Command) =>
      extendSession(contextOf(command, io), id, options.seconds),
    );

  program
    .command('end')
    .description('stop a session now')
    .argument('<id>', 'session id')
    .action((id: string, _options: unknown, command: Command) => endSession(contextOf(command, io), id));
};
