// Contract tests of the API's error answers: one envelope `{"error": {"code", "message"}}`, the
// status of README "HTTP API" for each named error, messages that name the field and never echo
// input, nothing internal in any answer, and x-request-id on every response.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { createServer } from 'node:http';
import { remoteJwtVerifier } from '../../../lambdas/adapters/auth/jwt-verifier';
import { UnavailableError } from '../../../lambdas/domain/errors';
import { OTHER_USER, USER, apiEvent } from '../../support/apigw-events';
import { throttled } from '../../support/fakes';
import { type Listening, listenOnFreePort } from '../../support/listen';
import { AUDIENCE, type ApiHarness, ISSUER, adminClaims, makeApiHarness } from './api-harness';

let api: ApiHarness;

beforeEach(async () => {
  api = await makeApiHarness();
});

const MISSING_ID = '7d0f3c2e-5b1a-4c8e-9f00-1234567890ab';

describe('400 validation_failed', () => {
  it('rejects malformed JSON without quoting it', async () => {
    const answer = await api.call('POST /sessions', { body: '{"profile": "notebook", oops}' });

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { code: 'validation_failed', message: 'body: must be valid JSON' } });
  });

  it('rejects a missing body', async () => {
    const answer = await api.call('POST /sessions');

    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toMatch(/^body: /);
  });

  it('rejects a body that is not an object', async () => {
    const answer = await api.call('POST /sessions', { body: '["notebook"]' });

    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toBe('body: must be a JSON object');
  });

  it('rejects an unknown field, naming it', async () => {
    const answer = await api.call('POST /sessions', { body: { profile: 'notebook', ownerId: 'someone-else' } });

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { code: 'validation_failed', message: 'ownerId: unknown field' } });
  });

  it('rejects a non-UUID id', async () => {
    const answer = await api.call('GET /sessions/{id}', { params: { id: 'not-a-uuid' } });

    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual({ code: 'validation_failed', message: 'id: must be a UUID' });
  });

  it('rejects a timeout outside the profile bounds, naming the field and not the value', async () => {
    const answer = await api.call('POST /sessions', { body: { profile: 'notebook', idleTimeoutSeconds: 987654 } });

    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('validation_failed');
    expect(answer.body.error?.message).toMatch(/idleTimeoutSeconds/);
    expect(answer.text).not.toContain('987654');
  });

  it('rejects a timeout that is not a whole number', async () => {
    const answer = await api.call('POST /sessions', { body: { profile: 'notebook', maxLifetimeSeconds: 1.5 } });

    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toBe('maxLifetimeSeconds: must be a whole number');
  });

  it('rejects an unknown profile, naming the field and not echoing the name', async () => {
    const answer = await api.call('POST /sessions', { body: { profile: 'quantum-computer' } });

    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('validation_failed');
    expect(answer.body.error?.message).toMatch(/^profile/);
    expect(answer.text).not.toContain('quantum-computer');
  });

  it.each([
    ['too many keys', Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']))],
    ['a key with unsafe characters', { 'bad key<script>': 'v' }],
    ['a key longer than 64 characters', { ['k'.repeat(65)]: 'v' }],
    ['a value longer than 256 characters', { note: 'x'.repeat(257) }],
    ['a value that is not a string', { count: 3 }],
    ['an array for an object', ['v']],
    ['the key __proto__', { ['__proto__']: 'v' }],
    ['a reserved key', { constructor: 'v' }],
  ])('rejects metadata with %s', async (_, metadata) => {
    const answer = await api.call('POST /sessions', { body: { profile: 'notebook', metadata } });

    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toMatch(/^metadata: /);
    expect(answer.text).not.toContain('<script>');
  });

  it('rejects an unknown heartbeat kind', async () => {
    const { id, activityToken } = await api.createSession();

    const answer = await api.call('POST /sessions/{id}/activity', {
      params: { id },
      claims: null,
      headers: { 'x-session-token': activityToken },
      body: { kind: 'sneeze' },
    });

    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toBe('kind: must be one of interaction, ping, busy, connect, disconnect');
  });

  it.each([
    [{ kind: 'busy', usage: { memoryPercent: 101 } }, 'usage: percents must be numbers from 0 to 100'],
    [{ kind: 'ping', usage: { diskPercent: -1 } }, 'usage: percents must be numbers from 0 to 100'],
    [{ kind: 'interaction', usage: { diskPercent: '50' } }, 'usage: percents must be numbers from 0 to 100'],
    [{ kind: 'connect', connectionId: 'agent', usage: { cpuPercent: 5 } }, 'usage: unknown field'],
    [{ kind: 'ping', usage: 'full' }, 'usage: must be a JSON object'],
    [{ kind: 'disconnect', connectionId: 'agent', usage: { memoryPercent: 5 } }, 'usage: unknown field'],
  ])('rejects a bad usage reading: %j', async (body, message) => {
    const { id, activityToken } = await api.createSession();

    const answer = await api.call('POST /sessions/{id}/activity', {
      params: { id },
      claims: null,
      headers: { 'x-session-token': activityToken },
      body,
    });

    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('validation_failed');
    expect(answer.body.error?.message).toContain(message);
  });

  it.each([
    [{ kind: 'connect' }, 'connectionId: is required'],
    [{ kind: 'disconnect' }, 'connectionId: is required'],
    [{ kind: 'connect', connectionId: '' }, 'connectionId: must be 1 to 64 letters, digits or ._-'],
    [{ kind: 'connect', connectionId: 'x'.repeat(65) }, 'connectionId: must be 1 to 64 letters, digits or ._-'],
    [{ kind: 'disconnect', connectionId: 'tab 1' }, 'connectionId: must be 1 to 64 letters, digits or ._-'],
    [{ kind: 'connect', connectionId: '__proto__' }, 'connectionId: is a reserved name'],
    [{ kind: 'ping', connectionId: 7 }, 'connectionId: must be a string'],
    [{ kind: 'ping', connection: 'tab-1' }, 'connection: unknown field'],
    [{ kind: 'connect', connectionId: 'agent-1', agent: 'yes' }, 'agent: must be true or false'],
    [{ kind: 'ping', connectionId: 'agent-1', agent: true }, 'agent: unknown field'],
  ])('rejects the activity report %j', async (body, message) => {
    const { id, activityToken } = await api.createSession();

    const answer = await api.call('POST /sessions/{id}/activity', { params: { id }, claims: null, headers: { 'x-session-token': activityToken }, body });

    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toBe(message);
  });

  it.each([{ kind: 'connect', connectionId: 'x'.repeat(64) }, { kind: 'connect', connectionId: 'agent-1', agent: true }, { kind: 'ping', connectionId: 'A.z_0-9' }, { kind: 'interaction' }])(
    'accepts the activity report %j',
    async (body) => {
      const { id, activityToken } = await api.createSession();

      const answer = await api.call('POST /sessions/{id}/activity', { params: { id }, claims: null, headers: { 'x-session-token': activityToken }, body });

      expect(answer.status).toBe(200);
    },
  );

  it.each([0, -5, 2.5, 8 * 24 * 3600, '60'])('rejects extend seconds %s', async (seconds) => {
    const { id } = await api.createSession();

    const answer = await api.call('POST /sessions/{id}/extend', { params: { id }, body: { seconds } });

    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toMatch(/^seconds: /);
  });

  it.each([
    [{ limit: '0' }, /^limit: /],
    [{ limit: '101' }, /^limit: /],
    [{ limit: 'ten' }, /^limit: /],
    [{ status: 'running' }, /^status: /],
    [{ sort: 'asc' }, /^sort: unknown field$/],
  ])('rejects the list query %o', async (query, message) => {
    const answer = await api.call('GET /sessions', { query });

    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toMatch(message);
  });

  it('rejects a nextToken the API did not issue', async () => {
    const answer = await api.call('GET /sessions', { query: { nextToken: 'forged' } });

    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toMatch(/nextToken/);
  });

  it('rejects a sweep dryRun that is not a boolean', async () => {
    const answer = await api.call('POST /sweep', { claims: adminClaims(), body: { dryRun: 'yes' } });

    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toBe('dryRun: must be true or false');
  });
});

describe('413 body too large', () => {
  const big = { profile: 'notebook', metadata: { note: 'x'.repeat(17 * 1024) } };

  it('refuses a body over 16 KiB', async () => {
    const answer = await api.call('POST /sessions', { body: big });

    expect(answer.status).toBe(413);
    expect(answer.body.error?.code).toBe('payload_too_large');
  });

  it('measures a base64-encoded body after decoding', async () => {
    const encoded = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
    // 15 KiB of JSON is about 20 KiB of base64: fine; 17 KiB is not.
    const fits = await api.call('POST /sessions', {
      body: encoded({ profile: 'notebook', metadata: { a: 'x'.repeat(200) } }),
      isBase64Encoded: true,
    });
    const tooBig = await api.call('POST /sessions', { body: encoded(big), isBase64Encoded: true });

    expect(fits.status).toBe(201);
    expect(tooBig.status).toBe(413);
  });

  it('counts bytes, not characters', async () => {
    // 6,000 three-byte characters: 18,000 bytes in 6,000 characters.
    const answer = await api.call('POST /sessions', { body: { profile: 'notebook', metadata: { note: '€'.repeat(6000) } } });

    expect(answer.status).toBe(413);
  });
});

describe('401 unauthorized', () => {
  it('when the authorizer passed no claims', async () => {
    const answer = await api.call('POST /sessions', { body: { profile: 'notebook' }, claims: null });

    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ error: { code: 'unauthorized', message: 'authentication required' } });
  });

  it('when the claims have no sub', async () => {
    const answer = await api.call('GET /sessions', { claims: { email: 'someone@example.test' } });

    expect(answer.status).toBe(401);
  });

  it('on the activity route without X-Session-Token or Bearer token', async () => {
    const { id } = await api.createSession();

    const answer = await api.call('POST /sessions/{id}/activity', { params: { id }, claims: null, body: { kind: 'ping' } });

    expect(answer.status).toBe(401);
  });

  it('on the activity route with a Bearer token that does not verify', async () => {
    const { id } = await api.createSession();
    const jwt = await api.token(USER);
    const tampered = `${jwt.slice(0, -4)}AAAA`;

    const answer = await api.call('POST /sessions/{id}/activity', {
      params: { id },
      claims: null,
      headers: { authorization: `Bearer ${tampered}` },
      body: { kind: 'ping' },
    });

    expect(answer.status).toBe(401);
  });
});

describe('404 not_found', () => {
  it("answers another owner's session exactly like a missing one (no IDOR oracle)", async () => {
    const { id } = await api.createSession(OTHER_USER);

    const theirs = await api.call('GET /sessions/{id}', { params: { id } });
    const missing = await api.call('GET /sessions/{id}', { params: { id: MISSING_ID } });

    expect(theirs.status).toBe(404);
    expect(theirs.text).toBe(missing.text);
    expect(theirs.body).toEqual({ error: { code: 'not_found', message: 'not found' } });
  });

  it.each([
    ['DELETE /sessions/{id}', undefined],
    ['POST /sessions/{id}/extend', { seconds: 60 }],
  ])("%s on another owner's session is a 404 and changes nothing", async (route, body) => {
    const { id } = await api.createSession(OTHER_USER);
    const before = api.deps.store.peek(id);

    const answer = await api.call(route, { params: { id }, body });

    expect(answer.status).toBe(404);
    expect(api.deps.store.peek(id)).toEqual(before);
  });

  it('answers a wrong X-Session-Token like a missing session', async () => {
    const { id } = await api.createSession();
    const other = await api.createSession();

    const wrong = await api.call('POST /sessions/{id}/activity', {
      params: { id },
      claims: null,
      headers: { 'x-session-token': other.activityToken },
      body: { kind: 'interaction' },
    });
    const missing = await api.call('POST /sessions/{id}/activity', {
      params: { id: MISSING_ID },
      claims: null,
      headers: { 'x-session-token': other.activityToken },
      body: { kind: 'interaction' },
    });

    expect(wrong.status).toBe(404);
    expect(wrong.text).toBe(missing.text);
  });

  it("answers a Bearer token of another user on someone's session with 404", async () => {
    const { id } = await api.createSession(OTHER_USER);
    const jwt = await api.token(USER);

    const answer = await api.call('POST /sessions/{id}/activity', {
      params: { id },
      claims: null,
      headers: { authorization: `Bearer ${jwt}` },
      body: { kind: 'interaction' },
    });

    expect(answer.status).toBe(404);
  });
});

describe('409 conflict', () => {
  it('on activity for an ended session', async () => {
    const { id, activityToken } = await api.createSession();
    const s = api.deps.store.peek(id);
    api.deps.store.seed({ ...s, status: 'stopped', endReason: 'idle_timeout', endedAt: s.createdAt });

    const answer = await api.call('POST /sessions/{id}/activity', {
      params: { id },
      claims: null,
      headers: { 'x-session-token': activityToken },
      body: { kind: 'interaction' },
    });

    expect(answer.status).toBe(409);
    expect(answer.body.error?.code).toBe('conflict');
  });

  it('on extending a session that is stopping', async () => {
    const { id } = await api.createSession();
    await api.call('DELETE /sessions/{id}', { params: { id } });

    const answer = await api.call('POST /sessions/{id}/extend', { params: { id }, body: { seconds: 60 } });

    expect(answer.status).toBe(409);
  });
});

describe('429 limit_exceeded', () => {
  it('when the owner already has the most live sessions the profile allows', async () => {
    for (let i = 0; i < 5; i++) await api.createSession();

    const answer = await api.call('POST /sessions', { body: { profile: 'notebook' } });

    expect(answer.status).toBe(429);
    expect(answer.body.error?.code).toBe('limit_exceeded');
  });
});

describe('503 unavailable', () => {
  it('when ECS throttles RunTask, without the SDK error in the answer', async () => {
    api.deps.tasks.failures.failNext('start', throttled('Rate exceeded for arn:aws:ecs:eu-west-1:123456789012:cluster/x'));

    const answer = await api.call('POST /sessions', { body: { profile: 'notebook' } });

    expect(answer.status).toBe(503);
    expect(answer.body.error?.code).toBe('unavailable');
    expect(answer.text).not.toMatch(/arn:aws|Rate exceeded|Throttling|123456789012/);
  });

  it('when a use case reports a dependency unavailable', async () => {
    const { id } = await api.createSession();
    api.deps.store.failures.failNext('get', new UnavailableError('DynamoDB GetItem is unavailable (ProvisionedThroughputExceededException)'));

    const answer = await api.call('GET /sessions/{id}', { params: { id } });

    expect(answer.status).toBe(503);
    expect(answer.text).not.toContain('DynamoDB');
  });

  it('when DynamoDB throttles, with the real SDK exception and nothing of it in the answer', async () => {
    const { id } = await api.createSession();
    api.deps.store.failures.failNext(
      'get',
      new ProvisionedThroughputExceededException({ message: 'Rate of requests exceeds the allowed throughput for table sessions', $metadata: {} }),
    );

    const answer = await api.call('GET /sessions/{id}', { params: { id } });

    expect(answer.status).toBe(503);
    expect(answer.body.error?.code).toBe('unavailable');
    expect(answer.text).not.toMatch(/throughput|sessions|Provisioned/);
  });
});

describe('503 unavailable on the activity route when the issuer keys cannot be fetched', () => {
  const listening: Listening[] = [];
  afterEach(async () => {
    await Promise.all(listening.splice(0).map((server) => server.close()));
  });

  const activityWithJwtAgainst = async (jwksUrl: string) => {
    const harness = await makeApiHarness({ jwtVerifier: remoteJwtVerifier({ issuer: ISSUER, audience: [AUDIENCE], jwksUrl }) });
    const { id } = await harness.createSession();
    return harness.call('POST /sessions/{id}/activity', {
      params: { id },
      claims: null,
      headers: { authorization: `Bearer ${await harness.token(USER)}` },
      body: { kind: 'ping' },
    });
  };

  it('when nothing listens at the key set URL', async () => {
    const closed = await listenOnFreePort(createServer());
    await closed.close();

    const answer = await activityWithJwtAgainst(`${closed.url}/.well-known/jwks.json`);

    expect(answer.status).toBe(503);
    expect(answer.body.error?.code).toBe('unavailable');
  });

  it('when the key set endpoint answers 500', async () => {
    const server = await listenOnFreePort(createServer((_, res) => res.writeHead(500).end('down')));
    listening.push(server);

    const answer = await activityWithJwtAgainst(`${server.url}/.well-known/jwks.json`);

    expect(answer.status).toBe(503);
    expect(answer.text).not.toContain('127.0.0.1');
  });
});

describe('500 internal', () => {
  it('answers an unexpected error with no details at all', async () => {
    const { id } = await api.createSession();
    const secret = 'connect ECONNREFUSED arn:aws:dynamodb:eu-west-1:123456789012:table/sessions password=hunter2';
    api.deps.store.failures.failNext('get', new Error(secret));

    const answer = await api.call('GET /sessions/{id}', { params: { id } });

    expect(answer.status).toBe(500);
    expect(answer.text).toBe('{"error":{"code":"internal","message":"internal error"}}');
  });
});

describe('every response', () => {
  it('carries x-request-id (API Gateway request id) and a JSON content type', async () => {
    const { id } = await api.createSession();
    api.deps.store.failures.failWhen('get', (args) => (args[0] === MISSING_ID ? new Error('boom') : undefined));
    const requests = [
      apiEvent('GET /health', { requestId: 'r-health' }),
      apiEvent('GET /sessions/{id}', { params: { id }, requestId: 'r-ok' }),
      apiEvent('POST /sessions', { body: '{', requestId: 'r-400' }),
      apiEvent('GET /sessions', { claims: null, requestId: 'r-401' }),
      apiEvent('GET /stats', { requestId: 'r-404' }),
      apiEvent('POST /sessions', { body: 'x'.repeat(20_000), requestId: 'r-413' }),
      apiEvent('GET /sessions/{id}', { params: { id: MISSING_ID }, requestId: 'r-500' }),
    ];

    for (const event of requests) {
      const answer = await api.send(event);

      expect(answer.headers['x-request-id']).toBe(event.requestContext.requestId);
      expect(answer.headers['content-type']).toBe('application/json');
    }
  });

  it('gets a fresh UUID as request id when API Gateway gave none', async () => {
    const answer = await api.call('GET /health', { requestId: null });

    expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
