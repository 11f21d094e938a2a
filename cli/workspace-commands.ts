// The workspace commands (README "Workspaces"): list the caller's workspaces (an admin: another
// owner's with --owner) and remove one before its retention ends.
import { type Command } from 'commander';
import { type WorkspaceView } from '../contract/wire';
import { type CliIo } from './cli-io';
import { type CommandContext, contextOf } from './cli-context';
import { formatDuration } from './session-format';
import { formatTable } from './table';

/** When a saved workspace goes, from now: `in 6d 23h`; `-` while a session has it. */
const deletesIn = (workspace: WorkspaceView, nowMs: number): string => {
  if (workspace.deleteAt === undefined) return '-';
  const left = Date.parse(workspace.deleteAt) - nowMs;
  return left > 0 ? `in ${formatDuration(left)}` : 'due';
};

export const formatWorkspaces = (workspaces: readonly WorkspaceView[], nowMs: number): string =>
  workspaces.length === 0
    ? 'no workspaces'
    : formatTable(workspaces, [
        { header: 'profile', value: (w) => w.profile },
        { header: 'state', value: (w) => w.state },
        { header: 'size', value: (w) => `${w.sizeGiB} GiB`, right: true },
        { header: 'mount', value: (w) => w.mountPath },
        { header: 'last used', value: (w) => `${formatDuration(Math.max(0, nowMs - Date.parse(w.lastUsedAt)))} ago` },
        { header: 'deleted', value: (w) => deletesIn(w, nowMs) },
        { header: 'session', value: (w) => (w.state === 'in_use' || w.state === 'saving' ? (w.sessionId ?? '-') : '-') },
      ]);

const listWorkspaces = async (ctx: CommandContext, options: { owner?: string }): Promise<void> => {
  const client = await ctx.client(options.owner === undefined ? 'user' : 'admin');
  const { body } = await client.listWorkspaces(options.owner);
  if (ctx.json) return ctx.printJson(body);
  ctx.print(formatWorkspaces(body.workspaces, ctx.nowMs()));
};

const removeWorkspace = async (ctx: CommandContext, profile: string): Promise<void> => {
  const { body } = await (await ctx.client('user')).deleteWorkspace(profile);
  if (ctx.json) return ctx.printJson(body);
  ctx.print(`workspace ${body.workspace.profile} deleted: its files are gone`);
};

export const addWorkspaceCommands = (program: Command, io: CliIo): void => {
  program
    .command('workspaces')
    .description('list your workspaces: the files kept between your sessions of a profile')
    .option('--owner <id>', "another owner's workspaces (admin)")
    .action((options: { owner?: string }, command: Command) => listWorkspaces(contextOf(command, io), options));

  const workspace = program.command('workspace').description('manage one of your workspaces');
  workspace
    .command('rm')
    .description('delete your workspace of a profile now, with its files (refused while a session uses it)')
    .argument('<profile>', 'the profile whose workspace to delete')
    .action((profile: string, _options: unknown, command: Command) => removeWorkspace(contextOf(command, io), profile));
};
