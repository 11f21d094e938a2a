// SigV4 for the task route on AWS (README "How a task authenticates"): the task role's credentials
// from the ECS container credentials endpoint, cached until shortly before they expire, and the
// SDK's own signer and SHA-256, so the bundle carries no full AWS SDK client.
import { fromContainerMetadata } from '@smithy/credential-provider-imds';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { type AwsCredentialIdentity, type AwsCredentialIdentityProvider } from '@smithy/types';
import { type RequestSigner } from './activity-client';

/** Fetch new credentials this long before the cached ones expire. */
const REFRESH_BEFORE_MS = 5 * 60 * 1000;

/** A provider that fetches once and again only when the credentials are about to expire. */
export const cachedCredentials = (fetchCredentials: AwsCredentialIdentityProvider, now: () => number = Date.now): AwsCredentialIdentityProvider => {
  let cached: AwsCredentialIdentity | undefined;
  return async () => {
    const expiresAt = cached?.expiration?.getTime();
    if (cached === undefined || (expiresAt !== undefined && expiresAt - REFRESH_BEFORE_MS <= now())) cached = await fetchCredentials();
    return cached;
  };
};

/** The container credentials of the task role (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI). */
export const containerCredentials = (): AwsCredentialIdentityProvider => cachedCredentials(fromContainerMetadata({ timeout: 2000, maxRetries: 2 }));

export const sigv4Signer = (region: string, credentials: AwsCredentialIdentityProvider): RequestSigner => {
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Hash.bind(null, 'sha256'), applyChecksum: true });
  return async ({ url, body, headers }) => {
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port !== '' && { port: Number(url.port) }),
      path: url.pathname,
      query: {},
      headers: { ...headers, host: url.host },
      body,
    });
    return signed.headers;
  };
};
