// The one description of our DynamoDB tables and indexes, as plain data: the CDK construct and the
// local bootstrap (dynalite) both read it, so the deployed and local schemas cannot drift apart.
import { type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface IndexDefinition {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  projection: 'ALL';
}

/** The deployed (or local) names of our tables: CDK sets them, the store and local bootstrap use them. */
export interface TableNames {
  sessions: string;
  idempotency: string;
  /** Workspaces (README "Workspaces"); the local stack so far, as only it runs workspaces. */
  workspaces: string;
}

export interface TableDefinition {
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  globalSecondaryIndexes: readonly IndexDefinition[];
  /** Items are purged by DynamoDB TTL after this epoch-seconds attribute (configured by CDK). */
  timeToLiveAttribute: string;
}

/** Attribute names of a session item. Session fields map 1:1 except `id`, stored as `sessionId`. */
export const SESSION_ATTRIBUTES = {
  sessionId: 'sessionId',
  ownerId: 'ownerId',
  createdAt: 'createdAt',
  status: 'status',
  version: 'version',
  scheduleName: 'scheduleName',
  /** Derived: `live#<n>` while the session is live, absent once it ended (keeps `byDeadline` sparse). */
  liveShard: 'liveShard',
  /** Derived: `expiresAt` in epoch seconds, rounded up (never earlier than the real deadline). */
  expiresAtEpoch: 'expiresAtEpoch',
  /** Derived: `endedAt` + retention, epoch seconds; the TTL attribute. */
  purgeAt: 'purgeAt',
} as const;

/** Attributes the store derives and maintains; never part of a Session. */
export const DERIVED_SESSION_ATTRIBUTES: readonly string[] = [
  SESSION_ATTRIBUTES.liveShard,
  SESSION_ATTRIBUTES.expiresAtEpoch,
  SESSION_ATTRIBUTES.purgeAt,
];

export const BY_OWNER_INDEX = 'byOwner';
export const BY_DEADLINE_INDEX = 'byDeadline';

export const IDEMPOTENCY_ATTRIBUTES = {
  id: 'id',
  /** Epoch seconds after which the key may be claimed again; the TTL attribute. */
  expiration: 'expiration',
  sessionId: 'sessionId',
  requestHash: 'requestHash',
} as const;

/**
 * The per-owner live-session limits, one per profile (each profile's `maxSessionsPerOwner` counts
 * only that profile's sessions): one item per owner and profile in the Idempotency table, id
 * `owner-slots#<profile>#<ownerId>`, whose `holders` map names each session holding one of those
 * slots (session id → epoch ms of the claim). It has no `expiration`, so TTL never frees a slot that
 * a live session still holds; the item is deleted when its last holder leaves.
 */
export const OWNER_SLOTS_ATTRIBUTES = {
  id: IDEMPOTENCY_ATTRIBUTES.id,
  holders: 'holders',
} as const;

/**
 * The id of an owner's slots item for a profile. Profile names hold no `#`, so the id names one
 * (profile, owner) pair whatever the owner id holds; an idempotency key, `<ownerId>#<sha256 hex>`,
 * could match one only by a SHA-256 preimage.
 */
export const ownerSlotsId = (ownerId: string, profile: string): string => `owner-slots#${profile}#${ownerId}`;

/**
 * The ended-session counters (`GET /stats`, README "HTTP API"): one item in the Sessions table, kept
 * by an atomic ADD as each session ends, so stats never read ended sessions. Its id is no session id
 * (those are UUIDs); it has no `ownerId` or `liveShard`, so no index holds it, and no `purgeAt`, so
 * TTL keeps it. Attributes: `countingSince` (ISO time of the first end counted), `status#<status>`
 * and `reason#<end reason>` (counts).
 */
export const ENDED_COUNTERS_ID = 'counters#ended';
export const ENDED_COUNTERS_ATTRIBUTES = {
  since: 'countingSince',
  status: (status: string): string => `status#${status}`,
  reason: (reason: string): string => `reason#${reason}`,
} as const;

export const SESSIONS_TABLE: TableDefinition = {
  partitionKey: { name: SESSION_ATTRIBUTES.sessionId, type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: BY_OWNER_INDEX,
      partitionKey: { name: SESSION_ATTRIBUTES.ownerId, type: 'S' },
      sortKey: { name: SESSION_ATTRIBUTES.createdAt, type: 'S' },
      projection: 'ALL',
    },
    {
      indexName: BY_DEADLINE_INDEX,
      partitionKey: { name: SESSION_ATTRIBUTES.liveShard, type: 'S' },
      sortKey: { name: SESSION_ATTRIBUTES.expiresAtEpoch, type: 'N' },
      projection: 'ALL',
    },
  ],
  timeToLiveAttribute: SESSION_ATTRIBUTES.purgeAt,
};

export const IDEMPOTENCY_TABLE: TableDefinition = {
  partitionKey: { name: IDEMPOTENCY_ATTRIBUTES.id, type: 'S' },
  globalSecondaryIndexes: [],
  timeToLiveAttribute: IDEMPOTENCY_ATTRIBUTES.expiration,
};

/**
 * The Workspaces table (README "Workspaces"): one item per owner and profile, keyed by both, so an
 * owner's workspaces are one Query and a session's is one GetItem. Its own table rather than items
 * of the Sessions table: a workspace outlives every session, has no `createdAt` order or deadline
 * shard to share the session indexes with, and is deleted by its own schedule (TTL only as a backstop).
 */
export const WORKSPACE_ATTRIBUTES = {
  ownerId: 'ownerId',
  profile: 'profile',
  /** Derived: `deleteAt` + a week, epoch seconds; the TTL backstop for a record whose schedule was lost. */
  purgeAt: 'purgeAt',
} as const;

export const WORKSPACES_TABLE: TableDefinition = {
  partitionKey: { name: WORKSPACE_ATTRIBUTES.ownerId, type: 'S' },
  sortKey: { name: WORKSPACE_ATTRIBUTES.profile, type: 'S' },
  globalSecondaryIndexes: [],
  timeToLiveAttribute: WORKSPACE_ATTRIBUTES.purgeAt,
};

const LIVE_SHARD_PREFIX = 'live#';

/**
 * The most `byDeadline` partitions a deployment may write to (`deadlineShards` is at most this).
 * Readers always query all of them, whatever `deadlineShards` is now: sessions written while it
 * was higher stay on their shard until they end, and lowering it must not hide them (README,
 * Configuration).
 */
export const MAX_DEADLINE_SHARDS = 32;

/**
 * The `byDeadline` partition of a live session: a stable hash of its id (32-bit FNV-1a) mod the
 * shard count, so live sessions spread evenly and no partition runs hot.
 */
export const liveShardOf = (sessionId: string, shardCount: number): string => {
  if (!Number.isInteger(shardCount) || shardCount < 1) throw new RangeError('shardCount must be a positive integer');
  let hash = 0x811c9dc5;
  for (let i = 0; i < sessionId.length; i++) {
    hash ^= sessionId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${LIVE_SHARD_PREFIX}${hash % shardCount}`;
};

/** The `byDeadline` partitions `live#0`..`live#N-1`. */
export const liveShards = (shardCount: number): string[] =>
  Array.from({ length: shardCount }, (_, n) => `${LIVE_SHARD_PREFIX}${n}`);

/** A CreateTable request for a definition (on-demand billing). TTL is set separately: CDK on AWS, nothing locally. */
export const createTableInput = (tableName: string, def: TableDefinition): CreateTableCommandInput => {
  const keys = [def.partitionKey, def.sortKey, ...def.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  const attributes = new Map<string, KeyAttribute['type']>();
  for (const key of keys) if (key) attributes.set(key.name, key.type);
  const keySchema = (pk: KeyAttribute, sk?: KeyAttribute) => [
    { AttributeName: pk.name, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: keySchema(def.partitionKey, def.sortKey),
    ...(def.globalSecondaryIndexes.length > 0 && {
      GlobalSecondaryIndexes: def.globalSecondaryIndexes.map((i) => ({
        IndexName: i.indexName,
        KeySchema: keySchema(i.partitionKey, i.sortKey),
        Projection: { ProjectionType: i.projection },
      })),
    }),
  };
};
