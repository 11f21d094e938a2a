// What every command needs from the global options: the API client (with a bearer token resolved
// only when the command needs one), the output mode, the clock and the output helpers.
import { type Command } from 'commander';
import { ApiClient } from './api-client';
import { type CliIo, writeLine } from './cli-io';
import { resolveToken } from './token-source';

export const DEFAULT_API_URL = 'http://127.0.0.1:3000';

export interface GlobalOptions {
  api: string;
  token?: string;
  json?: boolean;
}

export type AuthNeed = 'user' | 'admin' | 'none';

export interface CommandContext {
  io: CliIo;
  json: boolean;
  apiUrl: string;
  nowMs(): number;
  client(auth: AuthNeed): Promise<ApiClient>;
  /** One line (or block) of human output on stdout. */
  print(text: string): void;
  /** The response body as pretty JSON on stdout (--json). */
  printJson(value: unknown): void;
  /** A remark for humans on stderr (hints, notices), so stdout stays parseable. */
  note(text: string): void;
}

export const contextOf = (command: Command, io: CliIo): CommandContext => {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const cwd = io.cwd ?? process.cwd();
  return {
    io,
    json: globals.json === true,
    apiUrl: globals.api,
    nowMs: () => (io.now ?? Date.now)(),
    client: async (auth) => {
      const token =
        auth === 'none'
          ? undefined
          : await resolveToken({
              ...(globals.token !== undefined && { token: globals.token }),
              env: io.env,
              apiUrl: globals.api,
              cwd,
              admin: auth === 'admin',
            });
      return new ApiClient({ baseUrl: globals.api, ...(token !== undefined && { token }) });
    },
    print: (text) => writeLine(io.stdout, text),
    printJson: (value) => writeLine(io.stdout, JSON.stringify(value, null, 2)),
    note: (text) => writeLine(io.stderr, text),
  };
};
