// How a Session is laid out as a DynamoDB item: its fields 1:1 (`id` as `sessionId`), plus the
// attributes the indexes and TTL need, derived here so no caller can let them drift from the record.
import { type Session, isLive, ms } from '../../domain/session';
import { DERIVED_SESSION_ATTRIBUTES, SESSION_ATTRIBUTES, liveShardOf } from '../../../contract/table-definitions';

/** An item as the document client reads and writes it. */
export type Item = Record<string, unknown>;

export interface ItemSettings {
  /** Number of `byDeadline` partitions. */
  shardCount: number;
  /** How long an ended session is kept as history before TTL purges it. */
  retentionDays: number;
}

const SECONDS_PER_DAY = 86_400;

/** Rounded up, so a query on the index never reports a session due before its real deadline. */
export const expiresAtEpochOf = (expiresAt: string): number => Math.ceil(ms(expiresAt) / 1000);

export const purgeAtOf = (endedAt: string, retentionDays: number): number =>
  Math.floor(ms(endedAt) / 1000) + retentionDays * SECONDS_PER_DAY;

/** Drops `undefined` members (DynamoDB has no such value), at any depth. */
export const compact = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(compact);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, member]) => member !== undefined)
      .map(([name, member]) => [name, compact(member)]),
  );
};

export const toItem = (session: Session, settings: ItemSettings): Item => {
  const { id, ...fields } = session;
  return compact({
    [SESSION_ATTRIBUTES.sessionId]: id,
    ...fields,
    ...(isLive(session.status) && { [SESSION_ATTRIBUTES.liveShard]: liveShardOf(id, settings.shardCount) }),
    [SESSION_ATTRIBUTES.expiresAtEpoch]: expiresAtEpochOf(session.expiresAt),
    ...(session.endedAt !== undefined && {
      [SESSION_ATTRIBUTES.purgeAt]: purgeAtOf(session.endedAt, settings.retentionDays),
    }),
  }) as Item;
};

/**
 * Written before connections had ids: a bare count, which no disconnect naming an id can lower.
 * Such an item reads as having no open connection; the next connect starts the set.
 */
export const LEGACY_CONNECTION_COUNT = 'connections';

/** The Session an item holds. Items are only written by this adapter, so the shape is trusted. */
export const fromItem = (item: Item): Session => {
  const fields: Item = { ...item };
  const id = fields[SESSION_ATTRIBUTES.sessionId] as string;
  delete fields[SESSION_ATTRIBUTES.sessionId];
  for (const derived of DERIVED_SESSION_ATTRIBUTES) delete fields[derived];
  delete fields[LEGACY_CONNECTION_COUNT];
  fields['openConnections'] ??= {};
  return { id, ...fields } as Session;
};
