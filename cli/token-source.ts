// Where the CLI's bearer token comes from: --token, else SESSIONCTL_TOKEN, else (for the local stack)
// a token minted on the spot for user `dev` from the local key, so `sessionctl list` just works
// after `npm start`. Against a remote API without a token it fails with a clear message instead.
// Only `sessionctl token` creates the key pair (as the local stack does on start).
import { existsSync, readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseConfig } from '../contract/app-config';
import { loadLocalKeys, localKeyPaths, mintLocalToken } from '../local/adapters/local-keys';

export const DEFAULT_LOCAL_USER = 'dev';
export const DEFAULT_ADMIN_GROUP = 'session-admins';

/** Expected failure: no token given and none can be minted; exit code 3. */
export class MissingTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingTokenError';
  }
}

export interface MintRequest {
  dataDir: string;
  user: string;
  admin: boolean;
  adminGroup?: string;
  expiresInSeconds?: number;
}

/** Mints a local-stack token, creating the key pair in `dataDir` on first use (as the local stack does). */
export const mintToken = async (request: MintRequest): Promise<string> => {
  const keys = await loadLocalKeys(request.dataDir);
  return mintLocalToken(keys, {
    user: request.user,
    admin: request.admin,
    adminGroup: request.adminGroup ?? DEFAULT_ADMIN_GROUP,
    ...(request.expiresInSeconds !== undefined && { expiresInSeconds: request.expiresInSeconds }),
  });
};

/**
 * The configured admin group, read from cdk.json in `dir` (the local stack reads the same file);
 * the default when there is none or it does not parse (the local stack would refuse to start then).
 */
export const adminGroupOf = (dir: string): string => {
  try {
    const cdk = JSON.parse(readFileSync(resolve(dir, 'cdk.json'), 'utf8')) as { context?: { sessionExpiry?: unknown } };
    return parseConfig(cdk.context?.sessionExpiry).adminGroup;
  } catch {
    return DEFAULT_ADMIN_GROUP;
  }
};

/** The local stack's data dir: LOCAL_DATA_DIR (default `.local`), relative to `cwd`. */
export const localDataDir = (env: Readonly<Record<string, string | undefined>>, cwd: string): string =>
  resolve(cwd, env.LOCAL_DATA_DIR ?? '.local');

/** The loopback addresses: 127.0.0.0/8 and ::1 (an IPv4-mapped ::ffff:127.x.y.z is checked as IPv4). */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Whether the API is on this machine: `localhost` or a loopback address literal. A name that only
 * looks like one (`127.evil.example`, `127.0.0.1.nip.io`, `localhost.evil.com`) is whatever DNS makes
 * of it, so it never gets a locally minted token (README, sessionctl).
 */
export const isLoopbackUrl = (apiUrl: string): boolean => {
  let host: string;
  try {
    host = new URL(apiUrl).hostname;
  } catch {
    return false;
  }
  if (host === 'localhost') return true;
  // The URL parser has already normalised address literals (127.1 is 127.0.0.1, [0:0:0:0:0:0:0:1] is [::1]).
  const address = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const family = isIP(address);
  return family !== 0 && LOOPBACK.check(address, family === 4 ? 'ipv4' : 'ipv6');
};

export interface TokenContext {
  token?: string;
  env: Readonly<Record<string, string | undefined>>;
  apiUrl: string;
  cwd: string;
  /** Stats and sweep need the admin group; the minted `dev` token carries it only for them. */
  admin: boolean;
}

/**
 * The bearer token for a call, or undefined when there is none to send: against a local API without a
 * local key yet, the stack has not run (or runs elsewhere), and the API's own answer says it best.
 */
export const resolveToken = async (context: TokenContext): Promise<string | undefined> => {
  const given = context.token ?? context.env.SESSIONCTL_TOKEN;
  if (given !== undefined && given !== '') return given;
  // A remote API does not trust the local key: say so rather than send it a token it will refuse.
  if (!isLoopbackUrl(context.apiUrl)) {
    throw new MissingTokenError(`no token for ${context.apiUrl}: pass --token or set SESSIONCTL_TOKEN`);
  }
  const dataDir = localDataDir(context.env, context.cwd);
  // Never create the key here: a key the running stack does not know would only mint refused tokens.
  if (!existsSync(localKeyPaths(dataDir).privatePem)) return undefined;
  return mintToken({ dataDir, user: DEFAULT_LOCAL_USER, admin: context.admin, adminGroup: adminGroupOf(context.cwd) });
};
