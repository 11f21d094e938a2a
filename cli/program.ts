// The sessionctl program: global options, the commands, and the one place where every failure
// becomes a one-line message on stderr and a meaningful exit code (no stack traces for expected
// errors). `run` works in-process on injected streams, so tests drive it like a user would.
import { Command, CommanderError } from 'commander';
import { addAdminCommands } from './admin-commands';
import { ApiError, ApiUnreachableError } from './api-client';
import { DEFAULT_API_URL } from './cli-context';
import { type CliIo, writeLine } from './cli-io';
import { EXIT, EXIT_CODES_HELP, type ExitCode, exitCodeForStatus } from './exit-codes';
import { UsageError } from './option-parsers';
import { addSessionCommands } from './session-commands';
import { addTokenCommand } from './token-command';
import { addWorkspaceCommands } from './workspace-commands';
import { MissingTokenError } from './token-source';

const ENVIRONMENT_HELP = `Environment:
  SESSIONCTL_API     default for --api (else ${DEFAULT_API_URL}, the local stack)
  SESSIONCTL_TOKEN   default for --token
  LOCAL_DATA_DIR     local stack data dir holding the JWT key (default .local)
  Without a token, against a local API (localhost, 127.x.y.z or [::1]; not a host name that
  only looks like one) sessionctl mints one for user "dev" from the local key (with the admin
  group only for stats and sweep).`;

const EXAMPLES_HELP = `Examples:
  TOKEN=$(sessionctl token --user me)
  sessionctl create --profile demo --idle 60 --meta team=data
  sessionctl list --status all --json | jq '.sessions[].id'
  sessionctl sweep --dry-run --verbose`;

export const buildProgram = (io: CliIo): Command => {
  const program = new Command('sessionctl')
    .description('Operate session-expiry: create, inspect, extend and end sessions; workspaces; stats and sweep.')
    .option('--api <url>', 'API base URL', io.env.SESSIONCTL_API ?? DEFAULT_API_URL)
    .option('--token <jwt>', 'bearer token (default: $SESSIONCTL_TOKEN; see Environment)')
    .option('--json', 'print the raw JSON response instead of a table')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride()
    .addHelpText('after', `\n${EXIT_CODES_HELP}\n\n${ENVIRONMENT_HELP}\n\n${EXAMPLES_HELP}`);
  addTokenCommand(program, io);
  addSessionCommands(program, io);
  addAdminCommands(program, io);
  addWorkspaceCommands(program, io);
  return program;
};

/** Runs sessionctl with `argv` (the arguments after the program name) and returns the exit code. */
export const run = async (argv: readonly string[], io: CliIo): Promise<ExitCode> => {
  try {
    await buildProgram(io).parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    return report(error, io);
  }
};

const fail = (io: CliIo, code: ExitCode, message: string): ExitCode => {
  writeLine(io.stderr, `sessionctl: ${message}`);
  return code;
};

const report = (error: unknown, io: CliIo): ExitCode => {
  // Commander has already printed its message (or the help); only the code is left to decide.
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof ApiError) {
    const requestId = error.requestId !== undefined ? `, request id ${error.requestId}` : '';
    return fail(io, exitCodeForStatus(error.status), `${error.message} (${error.code}, HTTP ${error.status}${requestId})`);
  }
  if (error instanceof ApiUnreachableError) {
    if (error.reason === 'ECONNREFUSED') {
      return fail(io, EXIT.unavailable, `cannot reach the API at ${error.url}: is \`npm start\` running?`);
    }
    if (error.reason === 'timeout') return fail(io, EXIT.unavailable, `the API at ${error.url} did not answer in time`);
    return fail(io, EXIT.unavailable, `cannot reach the API at ${error.url} (${error.reason})`);
  }
  if (error instanceof MissingTokenError) return fail(io, EXIT.unauthorized, error.message);
  if (error instanceof UsageError) return fail(io, EXIT.usage, error.message);
  // A bug or a broken environment: say what happened; the stack only when asked for.
  const message = error instanceof Error ? error.message : String(error);
  if (io.env.SESSIONCTL_DEBUG && error instanceof Error && error.stack) writeLine(io.stderr, error.stack);
  return fail(io, EXIT.unexpected, `unexpected error: ${message}`);
};
