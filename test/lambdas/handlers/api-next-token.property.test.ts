// `nextToken` comes back from clients, so whatever a client sends there must be a 400 or a page,
// never a 5xx (any user could trip the 5xx alarm). The api handler on the DynamoDB store (dynalite)
// gets 1,000 generated tokens: random text, random base64url, encoded random JSON, token-shaped
// bodies with random parts and single-character mutations of real tokens. Tokens of another owner
// or another filter must be refused, not honoured.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbIdempotencyKeys } from '../../../lambdas/adapters/dynamodb/dynamodb-idempotency-keys';
import { DynamoDbOwnerSlots } from '../../../lambdas/adapters/dynamodb/dynamodb-owner-slots';
import { DynamoDbSessionStore } from '../../../lambdas/adapters/dynamodb/dynamodb-session-store';
import { OTHER_USER, USER } from '../../support/apigw-events';
import { type DynaliteHandle, startDynalite } from '../../support/dynalite';
import { MINUTE } from '../../support/fakes';
import { type ApiHarness, makeApiHarness } from './api-harness';

type Stores = { store: DynamoDbSessionStore; idempotencyKeys: DynamoDbIdempotencyKeys; ownerSlots: DynamoDbOwnerSlots };

let db: DynaliteHandle;
let api: ApiHarness<Stores>;
/** Real tokens: the first page's, for the user's `all` and `live` listings and another user's. */
let issued: { all: string; live: string; otherOwner: string };

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

const list = (nextToken: string, { status = 'all', owner = USER }: { status?: string; owner?: string } = {}) =>
  api.call('GET /sessions', { query: { status, limit: '1', nextToken }, claims: { sub: owner } });

const firstToken = async (status: string, owner: string): Promise<string> => {
  const answer = await api.call('GET /sessions', { query: { status, limit: '1' }, claims: { sub: owner } });
  if (typeof answer.body.nextToken !== 'string') throw new Error(`no nextToken for ${owner}/${status}: ${answer.text}`);
  return answer.body.nextToken;
};

beforeAll(async () => {
  db = await startDynalite();
  const stores: Stores = {
    store: new DynamoDbSessionStore({ client: db.doc, tableName: db.tables.sessions, shardCount: 4, retentionDays: 30 }),
    idempotencyKeys: new DynamoDbIdempotencyKeys({ client: db.doc, tableName: db.tables.idempotency }),
    ownerSlots: new DynamoDbOwnerSlots({ client: db.doc, tableName: db.tables.idempotency }),
  };
  api = await makeApiHarness({ stores });
  for (const owner of [USER, USER, USER, OTHER_USER, OTHER_USER]) {
    await api.createSession(owner);
    api.deps.clock.advance(MINUTE);
  }
  issued = { all: await firstToken('all', USER), live: await firstToken('live', USER), otherOwner: await firstToken('all', OTHER_USER) };
});

afterAll(async () => {
  await db?.stop();
});

describe('GET /sessions?nextToken=', () => {
  it('follows a token it issued', async () => {
    const answer = await list(issued.all);

    expect(answer.status).toBe(200);
    expect(answer.body.sessions).toHaveLength(1);
  });

  it('refuses another owner\'s token and another filter\'s token with a 400', async () => {
    const foreign = [await list(issued.otherOwner), await list(issued.all, { status: 'live' }), await list(issued.live, { status: 'ended' })];

    expect(foreign.map((a) => a.status)).toEqual([400, 400, 400]);
    expect(foreign.map((a) => a.body.error?.code)).toEqual(['validation_failed', 'validation_failed', 'validation_failed']);
  });

  it('answers 1,000 generated tokens with a 200 or a 400, never a 5xx', async () => {
    const anyStatus = fc.constantFrom('all', 'live', 'ended');
    const bodyOf = (token: string) => JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s: string; k: Record<string, unknown> };
    // Tokens in the caller's own scope (the digest of a real token of that listing) with forged keys:
    // these get past the binding and reach DynamoDB, so the key checks are what stands between them and a 500.
    const inScope = fc.constantFrom<['all' | 'live', string]>(['all', bodyOf(issued.all).s], ['live', bodyOf(issued.live).s]);
    // Too long for a DynamoDB key (a sort key holds 1,024 bytes), of the wrong type, or anything at all.
    const junk = fc.oneof(fc.string({ minLength: 1000, maxLength: 1400 }), fc.string({ unit: 'binary', maxLength: 100 }), fc.integer(), fc.jsonValue());
    const sessionIdPart = fc.oneof({ arbitrary: fc.uuid(), weight: 2 }, fc.stringMatching(/^[\x21-\x7e]{1,200}$/), junk);
    const createdAtPart = fc.oneof(
      { arbitrary: fc.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/), weight: 2 },
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      junk,
    );
    const keyPart = fc.oneof(sessionIdPart, createdAtPart);
    const forged = fc
      .tuple(inScope, fc.oneof({ arbitrary: fc.record({ sessionId: sessionIdPart, createdAt: createdAtPart }), weight: 3 }, fc.dictionary(fc.string(), keyPart)), fc.oneof({ arbitrary: fc.constant(1), weight: 3 }, fc.jsonValue()))
      .map(([[status, digest], k, v]) => [status, b64(JSON.stringify({ v, s: digest, k }))] as const);
    const mutated = fc
      .tuple(anyStatus, fc.constantFrom(issued.all, issued.live), fc.nat(), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'))
      .map(([status, token, at, char]) => {
        const i = at % token.length;
        return [status, `${token.slice(0, i)}${char}${token.slice(i + 1)}`] as const;
      });
    const noise = fc.tuple(
      anyStatus,
      fc.oneof(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,600}$/),
        fc.jsonValue().map((value) => b64(JSON.stringify(value) ?? 'null')),
      ),
    );
    const statuses = new Map<number, number>();

    await fc.assert(
      fc.asyncProperty(fc.oneof({ arbitrary: forged, weight: 2 }, mutated, noise), async ([status, token]) => {
        const answer = await list(token, { status });
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        return answer.status === 200 || answer.status === 400;
      }),
      { numRuns: 1000, seed: 12 },
    );

    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    // Both outcomes occur: the generated tokens are not all refused by the first check.
    expect(statuses.get(200)).toBeGreaterThan(50);
    expect(statuses.get(400)).toBeGreaterThan(300);
  }, 120_000);
});
