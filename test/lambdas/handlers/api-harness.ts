// Drives the api handler the way API Gateway does, on fake ports injected through the wiring, and
// captures what the handler writes to stdout/stderr (the Powertools log lines) while it runs.
import { type CryptoKey, SignJWT, generateKeyPair } from 'jose';
import { type SessionView } from '../../../contract/wire';
import { JoseJwtVerifier, type JwtVerifier } from '../../../lambdas/adapters/auth/jwt-verifier';
import { handler } from '../../../lambdas/handlers/api';
import { type ApiEvent } from '../../../lambdas/handlers/http/api-event';
import { type HandlerDeps, resetDeps, setDeps } from '../../../lambdas/wiring';
import { type DepsOverrides, type FakeDeps, type InMemoryStores, type Stores, TEST_TASK_MARKER, makeDeps } from '../../support/fakes';
import { type ApiEventOptions, USER, apiEvent, lambdaContext } from '../../support/apigw-events';
import { captureOutput } from '../../support/captured-output';

export const ISSUER = 'https://issuer.example.test';
export const AUDIENCE = 'session-expiry-test';
export const ADMIN_GROUP = 'session-admins';

export interface ApiAnswer {
  status: number;
  headers: Record<string, string>;
  /** The raw body text. */
  text: string;
  /** The body parsed; tests read the fields they assert on. */
  body: ApiBody;
}

/** The JSON bodies of the API, loosely: each answer has some of these. */
export interface ApiBody {
  error?: { code: string; message: string };
  session?: SessionView;
  sessions?: SessionView[];
  activityToken?: string;
  nextToken?: string;
  nextReportInSeconds?: number;
  [key: string]: unknown;
}

export interface ApiHarness<S extends Stores = InMemoryStores> {
  deps: FakeDeps<S>;
  /** Everything written to stdout/stderr during requests. */
  output: string[];
  call(route: string, opts?: ApiEventOptions): Promise<ApiAnswer>;
  send(event: ApiEvent): Promise<ApiAnswer>;
  /** An RS256 JWT from the test issuer. */
  token(sub?: string, claims?: Record<string, unknown>): Promise<string>;
  /** Creates a session of `notebook` for `owner` through the API; returns its id and activity token. */
  createSession(owner?: string): Promise<{ id: string; activityToken: string }>;
}

let keys: Promise<{ publicKey: CryptoKey; privateKey: CryptoKey }> | undefined;
const keyPair = () => (keys ??= generateKeyPair('RS256'));

export interface ApiHarnessOptions<S extends Stores> extends DepsOverrides<S> {
  /** The activity route's verifier; default one that knows the test issuer's key. */
  jwtVerifier?: JwtVerifier;
}

export const makeApiHarness = async <S extends Stores = InMemoryStores>(options: ApiHarnessOptions<S> = {}): Promise<ApiHarness<S>> => {
  const { publicKey, privateKey } = await keyPair();
  const { jwtVerifier, ...overrides } = options;
  const deps = makeDeps<S>(overrides);
  const handlerDeps: HandlerDeps = {
    ...deps,
    jwtVerifier: jwtVerifier ?? new JoseJwtVerifier({ issuer: ISSUER, audience: [AUDIENCE], key: publicKey }),
    adminGroup: ADMIN_GROUP,
    taskMarker: TEST_TASK_MARKER,
  };
  resetDeps();
  setDeps(handlerDeps);
  const output: string[] = [];

  const send = async (event: ApiEvent): Promise<ApiAnswer> => {
    const result = await captureOutput(output, () => handler(event, lambdaContext('session-expiry-api')));
    return { status: result.statusCode, headers: result.headers, text: result.body, body: JSON.parse(result.body) as ApiBody };
  };

  const harness: ApiHarness<S> = {
    deps,
    output,
    send,
    call: (route, opts) => send(apiEvent(route, opts)),
    token: (sub = USER, claims = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(sub)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(privateKey),
    createSession: async (owner = USER) => {
      const answer = await send(apiEvent('POST /sessions', { body: { profile: 'notebook' }, claims: { sub: owner } }));
      if (answer.status !== 201) throw new Error(`create failed: ${answer.status} ${answer.text}`);
      return { id: String(answer.body.session?.id), activityToken: String(answer.body.activityToken) };
    },
  };
  return harness;
};

export const adminClaims = (sub = 'admin-1'): Record<string, unknown> => ({ sub, 'cognito:groups': `[${ADMIN_GROUP}]` });
