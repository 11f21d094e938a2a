// The HTTP API (README "HTTP API") in front of the api function: a JWT authorizer (a Cognito user
// pool made here, or the configured issuer), access logs, default throttling and optional CORS.
//
// POST /sessions/{id}/activity has no API Gateway authorizer: a running session reports activity with
// only `X-Session-Token`, and an HTTP API JWT authorizer rejects every request without a valid JWT.
// The api function authenticates that route itself: the token against its stored SHA-256 hash, or,
// without a token, the owner's bearer JWT, verified against the same issuer and audience as the
// authorizer (JWT_ISSUER, JWT_AUDIENCE, keys from JWT_JWKS_URL).
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AccountRecovery, Mfa, UserPool, type UserPoolClient, UserPoolGroup } from 'aws-cdk-lib/aws-cognito';
import { type IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type AppConfig } from '../../contract/app-config';
import { API_ROUTES } from '../../contract/api-routes';
import { acknowledgeLogGroupControls, control } from '../nag/control-tower';

/** Steady-state requests per second and burst for every route (API Gateway default stage throttling). */
export const API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

/** The routes of README "HTTP API", with the CDK's method enum. */
export const ROUTES = API_ROUTES.map((route) => ({ ...route, method: HttpMethod[route.method] }));

export interface SessionApiProps {
  config: AppConfig;
  logRetention: RetentionDays;
}

/** How tokens are checked: the issuer and audiences the authorizer (and the api function) accept. */
export interface JwtSettings {
  issuer: string;
  audience: string[];
  jwksUrl: string;
}

export class SessionApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly jwt: JwtSettings;
  readonly userPool?: UserPool;
  readonly userPoolClient?: UserPoolClient;
  private readonly authorizer: IHttpRouteAuthorizer;

  constructor(scope: Construct, id: string, props: SessionApiProps) {
    super(scope, id);
    const { config } = props;
    const origins = config.cors.allowOrigins;
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'session-expiry: create, watch, extend and end container sessions',
      createDefaultStage: false,
      ...(origins.length > 0 && {
        corsPreflight: {
          allowOrigins: origins,
          allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.DELETE],
          allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-session-token'],
          exposeHeaders: ['x-request-id'],
          maxAge: Duration.hours(1),
        },
      }),
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    acknowledgeLogGroupControls(accessLogs, props.logRetention);
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      autoDeploy: true,
      throttle: API_THROTTLE,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: accessLogFormat() },
    });

    if (config.auth.issuer !== undefined && config.auth.audience !== undefined) {
      const { issuer, audience } = config.auth;
      this.jwt = { issuer, audience, jwksUrl: config.auth.jwksUrl ?? `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json` };
      this.authorizer = new HttpJwtAuthorizer('Jwt', config.auth.issuer, { jwtAudience: config.auth.audience });
    } else {
      const { pool, client } = this.makeUserPool(config.adminGroup);
      this.userPool = pool;
      this.userPoolClient = client;
      const issuer = `https://cognito-idp.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${pool.userPoolId}`;
      this.jwt = { issuer, audience: [client.userPoolClientId], jwksUrl: `${issuer}/.well-known/jwks.json` };
      this.authorizer = new HttpUserPoolAuthorizer('Jwt', pool, { userPoolClients: [client] });
    }
  }

  /** The base URL, without a trailing slash (SESSION_API_URL). */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }

  /** Routes every request of README "HTTP API" to the api function. */
  addRoutes(fn: IFunction): void {
    const integration = new HttpLambdaIntegration('Api', fn);
    for (const route of ROUTES) {
      const [created] = this.httpApi.addRoutes({
        path: route.path,
        methods: [route.method],
        integration,
        authorizer: route.authorized ? this.authorizer : new HttpNoneAuthorizer(),
      });
      if (created === undefined) continue;
      // The route's invoke permission (its child) is already scoped to this API in this account.
      Validations.of(created).acknowledge(
        control(
          'CT.LAMBDA.PR.2',
          'API Gateway may invoke the function only with SourceArn of this route of this API in this account; the ARN is an Fn::Join of the API id, which cfn-guard cannot resolve before deploy.',
        ),
      );
      if (route.authorized) continue;
      const reason =
        route.path === '/health'
          ? 'Liveness probe for load balancers and uptime checks; it answers {"status":"ok"} and reads no data.'
          : 'A running session reports activity with only its X-Session-Token, which a JWT authorizer would reject; the api function verifies the token hash or the owner JWT itself.';
      Validations.of(created).acknowledge({ id: 'AwsSolutions-APIG4', reason }, control('CT.APIGATEWAY.PR.5', reason));
    }
  }

  /**
   * The default identity provider: admin-created users only (no self sign-up), strong passwords,
   * optional TOTP MFA, and the admin group the API checks in `cognito:groups`.
   */
  private makeUserPool(adminGroup: string): { pool: UserPool; client: UserPoolClient } {
    const pool = new UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // User identities cannot be recreated: keep the pool when the stack goes away.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const client = pool.addClient('Cli', {
      authFlows: { userSrp: true, userPassword: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
    });
    new UserPoolGroup(this, 'Admins', { userPool: pool, groupName: adminGroup, description: 'May see every session, stats and sweep' });
    Validations.of(pool).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason: 'TOTP MFA is offered but optional: the demo pool has admin-created users only; production deployments point auth.issuer at the organisation IdP, which enforces MFA.',
      },
    );
    const plusPlan =
      'Threat protection needs the paid Plus feature plan; self sign-up is disabled and users are created by admins, and production deployments use an external IdP (auth.issuer).';
    Validations.of(pool).acknowledge({ id: 'AwsSolutions-COG3', reason: plusPlan }, { id: 'AwsSolutions-COG8', reason: plusPlan });
    return { pool, client };
  }
}

/** JSON access log lines (structured, so Logs Insights can query them); no tokens, no bodies. */
const accessLogFormat = (): AccessLogFormat =>
  AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      time: '$context.requestTime',
      routeKey: '$context.routeKey',
      status: '$context.status',
      latencyMs: '$context.responseLatency',
      integrationLatencyMs: '$context.integrationLatency',
      integrationError: '$context.integrationErrorMessage',
      authorizerError: '$context.authorizer.error',
      sourceIp: '$context.identity.sourceIp',
      userAgent: '$context.identity.userAgent',
      responseLength: '$context.responseLength',
    }),
  );
