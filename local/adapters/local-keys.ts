// The local stack's stand-in for an identity provider: one RS256 key pair, made on first use and
// kept in the data dir (0600), so tokens minted by `sessionctl token` stay valid across restarts and
// the local server can verify them exactly as the API Gateway JWT authorizer would on AWS.
import { createPublicKey, randomUUID } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CryptoKey,
  type JSONWebKeySet,
  SignJWT,
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  importSPKI,
} from 'jose';

export const LOCAL_ISSUER = 'session-expiry-local';
export const LOCAL_AUDIENCE = 'session-expiry';
export const LOCAL_ALGORITHM = 'RS256';

/** Where the key files live inside a data dir. */
export const localKeyPaths = (dataDir: string) => {
  const dir = join(dataDir, 'keys');
  return {
    dir,
    privatePem: join(dir, 'jwt-private.pem'),
    publicPem: join(dir, 'jwt-public.pem'),
    jwks: join(dir, 'jwks.json'),
  };
};

export interface LocalKeys {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The public key as a JWK set (with `kid`, `alg`, `use`), as an IdP would publish it. */
  jwks: JSONWebKeySet;
  kid: string;
}

const isErrno = (error: unknown, code: string): boolean =>
  error instanceof Error && (error as NodeJS.ErrnoException).code === code;

/**
 * Writes the private key only if none exists: a temp file hard-linked into place fails with EEXIST
 * when another process (a second `sessionctl token`, a test) won the race, and then we use theirs.
 */
const createPrivateKeyOnce = async (path: string): Promise<void> => {
  const { privateKey } = await generateKeyPair(LOCAL_ALGORITHM, { extractable: true });
  const temp = `${path}.${randomUUID()}.tmp`;
  await writeFile(temp, await exportPKCS8(privateKey), { mode: 0o600 });
  try {
    await link(temp, path);
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
  } finally {
    await unlink(temp);
  }
};

const readPrivatePem = async (path: string): Promise<string | undefined> => {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
};

/** Loads the key pair from `<dataDir>/keys/`, creating it on first use. */
export const loadLocalKeys = async (dataDir: string): Promise<LocalKeys> => {
  const paths = localKeyPaths(dataDir);
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  let pem = await readPrivatePem(paths.privatePem);
  if (pem === undefined) {
    await createPrivateKeyOnce(paths.privatePem);
    pem = await readFile(paths.privatePem, 'utf8');
  }
  const privateKey = await importPKCS8(pem, LOCAL_ALGORITHM);
  // The public half is derived from the private key every time, so the files can never disagree.
  const publicPem = createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();
  const publicKey = await importSPKI(publicPem, LOCAL_ALGORITHM, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwks: JSONWebKeySet = { keys: [{ ...publicJwk, kid, alg: LOCAL_ALGORITHM, use: 'sig' }] };
  // For tools that verify tokens themselves; the content is deterministic, so rewriting is harmless.
  await writeFile(paths.publicPem, publicPem, { mode: 0o600 });
  await writeFile(paths.jwks, `${JSON.stringify(jwks, null, 2)}\n`, { mode: 0o600 });
  return { privateKey, publicKey, jwks, kid };
};

export interface MintOptions {
  /** The `sub` claim: the session owner. */
  user: string;
  /** Add the admin group to the `groups` claim. */
  admin?: boolean;
  /** The configured admin group (default `session-admins`). */
  adminGroup?: string;
  /** Token lifetime (default 12 hours). */
  expiresInSeconds?: number;
}

/** Mints a token the local stack accepts, shaped like an IdP access token (sub, groups, iss, aud). */
export const mintLocalToken = async (keys: LocalKeys, options: MintOptions): Promise<string> => {
  const { user, admin = false, adminGroup = 'session-admins', expiresInSeconds = 12 * 3600 } = options;
  if (user.trim() === '') throw new RangeError('user must not be empty');
  return new SignJWT(admin ? { groups: [adminGroup] } : {})
    .setProtectedHeader({ alg: LOCAL_ALGORITHM, kid: keys.kid, typ: 'JWT' })
    .setSubject(user)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${expiresInSeconds}s`)
    .sign(keys.privateKey);
};
