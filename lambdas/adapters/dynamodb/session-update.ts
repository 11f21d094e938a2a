// Builds the one conditional UpdateItem behind SessionStore.update: the patch (null removes), the
// derived index/TTL attributes that follow from it, the version bump, and the expectation as a
// condition. Every attribute name goes through ExpressionAttributeNames (`status` is reserved).
import { isLive } from '../../domain/session';
import { type SessionPatch, type WriteExpectation } from '../../ports/session-store';
import { type ItemSettings, LEGACY_CONNECTION_COUNT, expiresAtEpochOf, purgeAtOf } from './session-item';
import { UpdateExpression } from './update-expression';
import { DERIVED_SESSION_ATTRIBUTES, SESSION_ATTRIBUTES, liveShardOf } from '../../../contract/table-definitions';

export interface UpdateParts {
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

const RESERVED_FOR_STORE = new Set<string>(['id', SESSION_ATTRIBUTES.sessionId, SESSION_ATTRIBUTES.version, ...DERIVED_SESSION_ATTRIBUTES]);

export const buildUpdate = (
  sessionId: string,
  patch: SessionPatch,
  expect: WriteExpectation,
  settings: ItemSettings,
): UpdateParts => {
  const u = new UpdateExpression();
  const name = (attribute: string): string => u.name(attribute);
  const value = (v: unknown): string => u.value(v);
  const assign = (attribute: string, v: unknown): void => u.assign(attribute, v);

  for (const [attribute, v] of Object.entries(patch)) {
    if (RESERVED_FOR_STORE.has(attribute)) throw new TypeError(`a patch may not set ${attribute}`);
    assign(attribute, v);
  }
  if (patch.status) {
    assign(SESSION_ATTRIBUTES.liveShard, isLive(patch.status) ? liveShardOf(sessionId, settings.shardCount) : null);
  }
  if (patch.expiresAt !== undefined) {
    assign(SESSION_ATTRIBUTES.expiresAtEpoch, patch.expiresAt === null ? null : expiresAtEpochOf(patch.expiresAt));
  }
  // The set replaces the count an item may still carry from before connections had ids.
  if (patch.openConnections !== undefined) assign(LEGACY_CONNECTION_COUNT, null);
  if (patch.endedAt !== undefined) {
    assign(SESSION_ATTRIBUTES.purgeAt, patch.endedAt === null ? null : purgeAtOf(patch.endedAt, settings.retentionDays));
  }
  const version = name(SESSION_ATTRIBUTES.version);
  u.setRaw(`${version} = if_not_exists(${version}, ${value(0)}) + ${value(1)}`);

  const conditions = [`attribute_exists(${name(SESSION_ATTRIBUTES.sessionId)})`];
  if (expect.statusIn !== undefined) {
    if (expect.statusIn.length === 0) throw new TypeError('statusIn must name at least one status');
    conditions.push(`${name(SESSION_ATTRIBUTES.status)} IN (${expect.statusIn.map((s) => value(s)).join(', ')})`);
  }
  if (expect.ownerId !== undefined) conditions.push(`${name(SESSION_ATTRIBUTES.ownerId)} = ${value(expect.ownerId)}`);
  if (expect.version !== undefined) conditions.push(`${version} = ${value(expect.version)}`);
  if (expect.scheduleName === null) {
    conditions.push(`attribute_not_exists(${name(SESSION_ATTRIBUTES.scheduleName)})`);
  } else if (expect.scheduleName !== undefined) {
    conditions.push(`${name(SESSION_ATTRIBUTES.scheduleName)} = ${value(expect.scheduleName)}`);
  }

  return {
    UpdateExpression: u.expression,
    ConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: u.names,
    ExpressionAttributeValues: u.values,
  };
};
