// `sessionctl token`: mints a token for the local stack and prints only the token on stdout, so
// `TOKEN=$(sessionctl token --user me)` works. The key pair lives in the local data dir and is
// created on first use, exactly as the local stack would create it.
import { resolve } from 'node:path';
import { type Command } from 'commander';
import { type CliIo } from './cli-io';
import { contextOf } from './cli-context';
import { UsageError, positiveInteger } from './option-parsers';
import { adminGroupOf, localDataDir, mintToken } from './token-source';

interface TokenOptions {
  user: string;
  admin?: boolean;
  dataDir?: string;
  adminGroup?: string;
  expiresIn?: number;
}

export const addTokenCommand = (program: Command, io: CliIo): void => {
  program
    .command('token')
    .description('mint a token for the local stack; prints only the token')
    .requiredOption('--user <name>', 'the token subject (session owner)')
    .option('--admin', 'add the admin group (needed for stats and sweep)')
    .option('--admin-group <group>', 'admin group name (default: adminGroup from ./cdk.json, else session-admins)')
    .option('--data-dir <dir>', 'local data dir holding the key (default: $LOCAL_DATA_DIR or .local)')
    .option('--expires-in <seconds>', 'token lifetime (default 12 hours)', positiveInteger)
    .action(async (options: TokenOptions, command: Command) => {
      const ctx = contextOf(command, io);
      const cwd = io.cwd ?? process.cwd();
      if (options.user.trim() === '') throw new UsageError('--user must not be empty');
      const token = await mintToken({
        dataDir: options.dataDir !== undefined ? resolve(cwd, options.dataDir) : localDataDir(io.env, cwd),
        user: options.user,
        admin: options.admin === true,
        adminGroup: options.adminGroup ?? adminGroupOf(cwd),
        ...(options.expiresIn !== undefined && { expiresInSeconds: options.expiresIn }),
      });
      if (ctx.json) ctx.printJson({ token });
      else ctx.print(token);
    });
};
