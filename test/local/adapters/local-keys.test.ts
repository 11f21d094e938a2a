import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JoseJwtVerifier } from '../../../lambdas/adapters/auth/jwt-verifier';
import {
  LOCAL_AUDIENCE,
  LOCAL_ISSUER,
  loadLocalKeys,
  localKeyPaths,
  mintLocalToken,
} from '../../../local/adapters/local-keys';

describe('local keys', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'keys-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates one key pair, readable by the owner only, and keeps it across loads', async () => {
    const [a, b] = await Promise.all([loadLocalKeys(dataDir), loadLocalKeys(dataDir)]);
    const again = await loadLocalKeys(dataDir);

    expect(again.kid).toBe(a.kid);
    expect(b.kid).toBe(a.kid);
    const paths = localKeyPaths(dataDir);
    for (const file of [paths.privatePem, paths.publicPem, paths.jwks]) expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(again.jwks)).not.toMatch(/"d":/);
  });

  it('mints tokens the JWT verifier accepts, with the admin group only when asked', async () => {
    const keys = await loadLocalKeys(dataDir);
    const verifier = new JoseJwtVerifier({ issuer: LOCAL_ISSUER, audience: [LOCAL_AUDIENCE], key: keys.publicKey });

    const user = await verifier.verify(await mintLocalToken(keys, { user: 'dev' }));
    const admin = await verifier.verify(await mintLocalToken(keys, { user: 'root', admin: true, adminGroup: 'ops' }));

    expect(user).toMatchObject({ sub: 'dev', iss: LOCAL_ISSUER, aud: LOCAL_AUDIENCE });
    expect(user['groups']).toBeUndefined();
    expect(admin).toMatchObject({ sub: 'root', groups: ['ops'] });
  });

  it('mints tokens another data dir does not accept', async () => {
    const other = mkdtempSync(join(tmpdir(), 'keys-'));
    try {
      const verifier = new JoseJwtVerifier({
        issuer: LOCAL_ISSUER,
        audience: [LOCAL_AUDIENCE],
        key: (await loadLocalKeys(other)).publicKey,
      });
      const token = await mintLocalToken(await loadLocalKeys(dataDir), { user: 'dev' });

      await expect(verifier.verify(token)).rejects.toThrow();
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
