// The deployed profiles, read from SSM Parameter Store: one String parameter per profile under the
// stack's path (lib/constructs/profile-parameters.ts writes them), all read at once with
// GetParametersByPath (the SDK's paginator), and what was read is reused for a while (README,
// Configuration). Read on first use, not at cold start: only creating a session needs a profile,
// so the functions that expire, sweep and follow sessions never depend on the store, and the api
// makes its SSM client on the first read, not during init (README "Performance").
// The paginator comes with the client package (`sdk`), which the functions load on first use (sdk/client-ssm.ts).
import type { SSMClient } from '@aws-sdk/client-ssm';
import type * as SsmSdk from './sdk/client-ssm';
import { ConfigError } from '../../../contract/config-error';
import { UnavailableError } from '../../domain/errors';
import { type Profile } from '../../domain/profile';
import { type Log } from '../../ports/observability';
import { type ProfileCatalog } from '../../ports/profile-catalog';
import { type EcsProfileTarget, type EcsProfileTargets } from './ecs-task-runner';

/** Every profile, as the use cases see it and as ECS runs it. */
export interface DeployedProfiles {
  profiles: Readonly<Record<string, Profile>>;
  targets: Readonly<Record<string, EcsProfileTarget>>;
}

/** The parameters' values by profile name (the path stripped), as GetParametersByPath returns them. */
export type ProfileDocuments = Readonly<Record<string, string | undefined>>;

/** What the store reads through: every parameter directly under a path, by name. */
export interface ProfileSource {
  readAll(path: string): Promise<ProfileDocuments>;
}

/**
 * The parameters directly under `path` (not recursive, not decrypted: the profiles are `String`
 * parameters), every page of GetParametersByPath, each named without the path and its slash.
 */
export const ssmParameterSource = (ssm: SSMClient, sdk: Pick<typeof SsmSdk, 'paginateGetParametersByPath'>): ProfileSource => ({
  async readAll(path) {
    const documents: Record<string, string | undefined> = {};
    for await (const page of sdk.paginateGetParametersByPath({ client: ssm }, { Path: path, Recursive: false, WithDecryption: false })) {
      for (const { Name, Value } of page.Parameters ?? []) {
        if (Name !== undefined) documents[Name.startsWith(`${path}/`) ? Name.slice(path.length + 1) : Name] = Value;
      }
    }
    return documents;
  },
});

/**
 * How long a read is reused before the next request reads the store again. A deploy does not wait
 * for it (it replaces the functions' environments, README Configuration); it bounds how long an
 * edit made outside CloudFormation takes to be seen.
 */
export const PROFILE_CACHE_SECONDS = 60;

export interface ParameterProfileStoreOptions {
  /** `/<stack>/profiles`: each profile is the parameter `<path>/<name>`. */
  path: string;
  /**
   * Validates the documents (throws ConfigError naming the profile and key); see profile-config.ts.
   * It may be async, for a parser loaded on first use (the api's, roots/api-root.ts).
   */
  parse: (documents: ProfileDocuments, source: string) => DeployedProfiles | Promise<DeployedProfiles>;
  log: Log;
  maxAgeSeconds?: number;
}

const own = <T>(record: Readonly<Record<string, T>>, key: string): T | undefined => (Object.hasOwn(record, key) ? record[key] : undefined);

export class ParameterProfileStore implements ProfileCatalog, EcsProfileTargets {
  /** The last documents read and what they parsed to: a cache hit returns the same object, parsed once. */
  private last: { documents: ProfileDocuments; parsed: DeployedProfiles } | undefined;
  /**
   * The last successful read and until when it is reused (ms since the epoch). Kept whether or not
   * it parsed: documents that are not valid are not read again before the max age either.
   */
  private read: { documents: ProfileDocuments; freshUntil: number } | undefined;
  private source: Promise<ProfileSource> | undefined;

  /** `makeSource` runs on the first read (again only if it failed): until then no SSM client exists. */
  constructor(
    private readonly makeSource: () => ProfileSource | Promise<ProfileSource>,
    private readonly options: ParameterProfileStoreOptions,
  ) {}

  async profileNamed(name: string): Promise<Profile | undefined> {
    return own((await this.current()).profiles, name);
  }

  async targetOf(profile: string): Promise<EcsProfileTarget | undefined> {
    return own((await this.current()).targets, profile);
  }

  /**
   * The profiles: from the cache while it is fresh, else read again. A read that fails keeps the
   * profiles read before (a warning); with none to keep, it fails: UnavailableError when the store
   * cannot be read (the API answers 503), ConfigError when what it holds is not a valid profile.
   */
  async current(): Promise<DeployedProfiles> {
    const { path, log } = this.options;
    let documents: ProfileDocuments;
    try {
      documents = await this.documents();
    } catch (error) {
      if (this.last !== undefined) return this.keepLast(this.last.parsed, error);
      log.error('the profiles could not be read', { path, error: messageOf(error) });
      throw new UnavailableError('the profiles could not be read', error);
    }
    if (this.last?.documents === documents) return this.last.parsed;
    try {
      if (Object.keys(documents).length === 0) throw new ConfigError(`invalid profiles: no parameter under ${path}`);
      const parsed = await this.options.parse(documents, path);
      this.last = { documents, parsed };
      return parsed;
    } catch (error) {
      if (this.last !== undefined) return this.keepLast(this.last.parsed, error);
      log.error('the deployed profiles are not valid', { path, error: messageOf(error) });
      throw error;
    }
  }

  /** The documents of the last read while it is fresh, else of a new one (which then is the last). */
  private async documents(): Promise<ProfileDocuments> {
    if (this.read !== undefined && Date.now() <= this.read.freshUntil) return this.read.documents;
    const documents = await (await this.sourceMade()).readAll(this.options.path);
    this.read = { documents, freshUntil: Date.now() + (this.options.maxAgeSeconds ?? PROFILE_CACHE_SECONDS) * 1000 };
    return documents;
  }

  /** The source, made on the first call; if making it fails, the next read tries again. */
  private sourceMade(): Promise<ProfileSource> {
    this.source ??= Promise.resolve()
      .then(this.makeSource)
      .catch((error: unknown) => {
        this.source = undefined;
        throw error;
      });
    return this.source;
  }

  private keepLast(last: DeployedProfiles, error: unknown): DeployedProfiles {
    this.options.log.warn('the profiles could not be read again; using the ones read before', { path: this.options.path, error: messageOf(error) });
    return last;
  }
}

/** The SDK's error names what went wrong (throttling, access denied); a wrapped one, its cause too. */
const messageOf = (error: unknown): string => {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.name}: ${error.cause.message}` : '';
  return `${String(error)}${cause}`;
};
