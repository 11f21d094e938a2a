// The HTTP API of README "HTTP API" in front of the api function: a JWT authorizer (a Cognito user
// pool made here, or the configured issuer), IAM authorization on the task route, access logs, the
// stage throttle plus the activity routes' own (README "Sizing the activity routes"), and optional CORS.
//
// POST /sessions/{id}/activity has no API Gateway authorizer: a route has one at most and it cannot be
// optional, and this route takes the owner's JWT or (in the local stack) a task's X-Session-Token. The
// api function authenticates it itself: the token against its stored SHA-256 hash, or the owner's
// bearer JWT, verified against the same issuer and audience as the authorizer (JWT_ISSUER,
// JWT_AUDIENCE, keys from JWT_JWKS_URL); a request with neither is refused before any work.
// POST /sessions/{id}/task-activity takes SigV4-signed requests only: a session's task signs with its
// task role, and the function checks it is that session's task (README "How a task authenticates").
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  type HttpRoute,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import { AccountRecovery, Mfa, UserPool, type UserPoolClient, UserPoolGroup } from 'aws-cdk-lib/aws-cognito';
import { type IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, LogGroup, MetricFilter, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type AppConfig } from '../../contract/app-config';
import { ACTIVITY_ROUTE_KEYS, API_ROUTES, type RouteKey, routeKeyOf } from '../../contract/api-routes';
import { METRICS_NAMESPACE } from '../../contract/observability';
import { acknowledgeLogGroupControls, control } from '../nag/control-tower';

/** The routes of README "HTTP API", with the CDK's method enum. */
export const ROUTES = API_ROUTES.map((route) => ({ ...route, method: HttpMethod[route.method] }));

/** The route a session's task reports on with its task role (IAM authorization). */
export const TASK_ACTIVITY_ROUTE: RouteKey = 'POST /sessions/{id}/task-activity';

/** Where the access-log metrics go: written by CloudWatch Logs from the access log, not by the functions. */
export const ACCESS_LOG_NAMESPACE = `${METRICS_NAMESPACE}/AccessLogs`;

const isActivityRoute = (routeKey: string): boolean => (ACTIVITY_ROUTE_KEYS as readonly string[]).includes(routeKey);

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
  /** Requests API Gateway itself answered 429 (a throttle), counted from the access log. */
  readonly throttledRequests: Metric;
  private readonly authorizer: IHttpRouteAuthorizer;
  private readonly activityThrottle: ThrottleSettings;

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
    // The stage default holds every route but the activity ones, which get their own in addRoutes.
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      autoDeploy: true,
      throttle: config.api.throttle,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: accessLogFormat() },
    });
    this.activityThrottle = config.api.activityThrottle;
    // A throttled request never reaches the function, so nothing but the access log sees it: a 429
    // without an integration latency is API Gateway's own (the function's 429 limit_exceeded has one).
    this.throttledRequests = new MetricFilter(this, 'ThrottledRequestsFilter', {
      logGroup: accessLogs,
      filterPattern: FilterPattern.all(FilterPattern.stringValue('$.status', '=', '429'), FilterPattern.stringValue('$.integrationLatencyMs', '=', '-')),
      metricNamespace: ACCESS_LOG_NAMESPACE,
      metricName: 'ThrottledRequests',
      metricValue: '1',
    }).metric({ statistic: 'Sum', period: Duration.minutes(5) });

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

  /**
   * `execute-api:Invoke` on the task route, for its IAM authorization: what a task role needs to
   * report activity (any session id, `*`; the function checks the session is the caller's own; any
   * stage, of which there is one).
   */
  get taskActivityInvokeArn(): string {
    const [method = '', path = ''] = TASK_ACTIVITY_ROUTE.split(' ');
    return Stack.of(this).formatArn({
      service: 'execute-api',
      resource: this.httpApi.apiId,
      resourceName: `*/${method}${path.replace(/\{\w+\}/g, '*')}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  /** An HTTP API metric of one route (`4xx`, `5xx`, `Count`, ...): needs the route's detailed metrics. */
  metricRoute(metricName: string, routeKey: string, props: MetricOptions = {}): Metric {
    return new Metric({
      namespace: 'AWS/ApiGateway',
      metricName,
      dimensionsMap: { ApiId: this.httpApi.apiId, Stage: this.stage.stageName, Route: routeKey },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...props,
    });
  }

  /** Routes every request of README "HTTP API" to the api function. */
  addRoutes(fn: IFunction): void {
    const integration = new HttpLambdaIntegration('Api', fn);
    const activityRoutes: HttpRoute[] = [];
    for (const route of ROUTES) {
      const [created] = this.httpApi.addRoutes({
        path: route.path,
        methods: [route.method],
        integration,
        authorizer: this.authorizerFor(route.authorizer),
      });
      if (created === undefined) continue;
      if (isActivityRoute(routeKeyOf(route))) activityRoutes.push(created);
      // The route's invoke permission (its child) is already scoped to this API in this account.
      Validations.of(created).acknowledge(
        control(
          'CT.LAMBDA.PR.2',
          'API Gateway may invoke the function only with SourceArn of this route of this API in this account; the ARN is an Fn::Join of the API id, which cfn-guard cannot resolve before deploy.',
        ),
      );
      if (route.authorizer !== 'none') continue;
      const reason =
        route.path === '/health'
          ? 'Liveness probe for load balancers and uptime checks; it answers {"status":"ok"} and reads no data.'
          : 'The owner reports activity with a JWT or, in the local stack, a task with its X-Session-Token, and a route has one API Gateway authorizer, never an optional one; the api function verifies the token hash or the owner JWT itself and refuses a request with neither before any work.';
      Validations.of(created).acknowledge({ id: 'AwsSolutions-APIG4', reason }, control('CT.APIGATEWAY.PR.5', reason));
    }
    this.throttleActivityRoutes(activityRoutes);
  }

  private authorizerFor(kind: (typeof ROUTES)[number]['authorizer']): IHttpRouteAuthorizer {
    if (kind === 'jwt') return this.authorizer;
    if (kind === 'iam') return new HttpIamAuthorizer();
    return new HttpNoneAuthorizer();
  }

  /**
   * The activity routes' own throttle and detailed (per-route) metrics, in the stage's RouteSettings
   * (the L2 stage sets only the stage-wide default). A route setting replaces the default as a whole,
   * so each names everything it needs; CloudFormation refuses settings for a route it has not made
   * yet, hence the dependency.
   */
  private throttleActivityRoutes(routes: readonly HttpRoute[]): void {
    if (routes.length === 0) return;
    const cfnStage = this.stage.node.defaultChild as CfnStage;
    cfnStage.routeSettings = Object.fromEntries(
      ACTIVITY_ROUTE_KEYS.map((key) => [
        key,
        { ThrottlingRateLimit: this.activityThrottle.rateLimit, ThrottlingBurstLimit: this.activityThrottle.burstLimit, DetailedMetricsEnabled: true },
      ]),
    );
    for (const route of routes) cfnStage.node.addDependency(route);
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
