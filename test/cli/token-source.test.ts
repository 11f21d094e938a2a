// Which API URLs get a token minted from the local key: only this machine's (localhost, loopback
// literals). A look-alike host name resolves to whoever owns it and must never see such a token.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MissingTokenError, resolveToken } from '../../cli/token-source';
import { type LocalKeys, loadLocalKeys } from '../../local/adapters/local-keys';

let cwd: string;
let keys: LocalKeys;

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'token-source-test-'));
  keys = await loadLocalKeys(join(cwd, '.local'));
});

afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const tokenFor = (apiUrl: string) => resolveToken({ env: {}, apiUrl, cwd, admin: false });

describe('resolveToken without --token or SESSIONCTL_TOKEN', () => {
  it.each([
    'http://127.evil.example:3000',
    'http://127.0.0.1.nip.io',
    'http://localhost.evil.com',
    'http://127.0.0.1.evil.example',
    'http://[::2]:3000',
    'http://128.0.0.1:3000',
  ])('mints no token for %s, which is not this machine', async (apiUrl) => {
    await expect(tokenFor(apiUrl)).rejects.toThrow(MissingTokenError);
  });

  it.each([
    'http://127.0.0.1:3000',
    'http://127.1.2.3',
    'http://localhost:3000',
    'http://[::1]:3000',
    'http://[0:0:0:0:0:0:0:1]:3000',
  ])('mints a `dev` token from the local key for %s', async (apiUrl) => {
    const token = await tokenFor(apiUrl);

    const { payload } = await jwtVerify(token ?? '', keys.publicKey);
    expect(payload.sub).toBe('dev');
  });
});
