// The HTTP API as clients meet it: the routes of README "HTTP API", which of them need a JWT,
// access logs, throttling, CORS only when configured, and Cognito or an external issuer.
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ACTIVITY_THROTTLE, DEFAULT_API_THROTTLE } from '../../../contract/app-config';
import { type SynthesizedApp, rawConfig, resourcesOf, synthApp } from '../../support/synth-app';

const EXPECTED_ROUTES = [
  'GET /health',
  'POST /sessions',
  'GET /sessions',
  'GET /sessions/{id}',
  'DELETE /sessions/{id}',
  'POST /sessions/{id}/activity',
  'POST /sessions/{id}/task-activity',
  'POST /sessions/{id}/extend',
  'GET /stats',
  'POST /sweep',
  'GET /workspaces',
  'DELETE /workspaces/{profile}',
];
const WITHOUT_AUTHORIZER = ['GET /health', 'POST /sessions/{id}/activity'];
const IAM_AUTHORIZED = ['POST /sessions/{id}/task-activity'];

const envOfFunctions = (synth: SynthesizedApp) =>
  Object.values(resourcesOf(synth.statelessTemplate, 'AWS::Lambda::Function')).map(
    (fn) => (fn.Properties?.['Environment'] as { Variables: Record<string, unknown> }).Variables,
  );

describe('SessionApi with the default Cognito user pool', () => {
  let synth: SynthesizedApp;

  beforeAll(() => {
    synth = synthApp();
  });
  afterAll(() => synth?.cleanup());

  const routes = () =>
    Object.values(resourcesOf(synth.statelessTemplate, 'AWS::ApiGatewayV2::Route')).map(
      (r) => r.Properties as { RouteKey: string; AuthorizationType: string; AuthorizerId?: unknown },
    );

  it('has exactly the routes of the API contract', () => {
    expect(routes().map((r) => r.RouteKey).sort()).toEqual([...EXPECTED_ROUTES].sort());
  });

  it('requires a JWT on every route except /health and the two activity routes, and SigV4 on the task route', () => {
    for (const route of routes()) {
      if (WITHOUT_AUTHORIZER.includes(route.RouteKey)) {
        expect(route.AuthorizationType, route.RouteKey).toBe('NONE');
        expect(route.AuthorizerId, route.RouteKey).toBeUndefined();
      } else if (IAM_AUTHORIZED.includes(route.RouteKey)) {
        expect(route.AuthorizationType, route.RouteKey).toBe('AWS_IAM');
        expect(route.AuthorizerId, route.RouteKey).toBeUndefined();
      } else {
        expect(route.AuthorizationType, route.RouteKey).toBe('JWT');
        expect(route.AuthorizerId, route.RouteKey).toBeDefined();
      }
    }
  });

  it('checks tokens of the stack user pool for its app client', () => {
    synth.statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: Match.stringLikeRegexp('UsersCli') }],
        Issuer: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
      },
    });
  });

  it('makes a user pool without self sign-up, with the admin group from config', () => {
    synth.statelessTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12 }) },
    });
    synth.statelessTemplate.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: rawConfig()['adminGroup'] });
  });

  it('gives the functions the issuer, audience and key set the authorizer uses', () => {
    for (const env of envOfFunctions(synth)) {
      expect(JSON.stringify(env['JWT_ISSUER'])).toContain('https://cognito-idp.');
      expect(env['JWT_AUDIENCE']).toEqual({ Ref: expect.stringMatching(/UsersCli/) as unknown });
      expect(JSON.stringify(env['JWT_JWKS_URL'])).toContain('/.well-known/jwks.json');
    }
  });

  it('throttles the default stage and writes JSON access logs to a log group with retention', () => {
    const [stage] = Object.values(resourcesOf(synth.statelessTemplate, 'AWS::ApiGatewayV2::Stage'));
    expect(stage?.Properties?.['StageName']).toBe('$default');
    expect(stage?.Properties?.['AutoDeploy']).toBe(true);
    expect(stage?.Properties?.['DefaultRouteSettings']).toEqual({
      ThrottlingRateLimit: DEFAULT_API_THROTTLE.rateLimit,
      ThrottlingBurstLimit: DEFAULT_API_THROTTLE.burstLimit,
    });
    const access = stage?.Properties?.['AccessLogSettings'] as { DestinationArn: { 'Fn::GetAtt': [string, string] }; Format: string };
    const format = JSON.parse(access.Format) as Record<string, string>;
    expect(format['requestId']).toBe('$context.requestId');
    expect(format['status']).toBe('$context.status');
    const logGroup = resourcesOf(synth.statelessTemplate, 'AWS::Logs::LogGroup')[access.DestinationArn['Fn::GetAtt'][0]];
    expect(logGroup?.Properties?.['RetentionInDays']).toBe(rawConfig()['logRetentionDays']);
  });

  it('gives each activity route its own throttle and per-route metrics, and the stage waits for those routes', () => {
    const [[stageId, stage]] = Object.entries(resourcesOf(synth.statelessTemplate, 'AWS::ApiGatewayV2::Stage')) as [string, { Properties: Record<string, unknown>; DependsOn?: string[] }][];
    const own = { ThrottlingRateLimit: DEFAULT_ACTIVITY_THROTTLE.rateLimit, ThrottlingBurstLimit: DEFAULT_ACTIVITY_THROTTLE.burstLimit, DetailedMetricsEnabled: true };
    expect(stage.Properties['RouteSettings']).toEqual({ 'POST /sessions/{id}/activity': own, 'POST /sessions/{id}/task-activity': own });
    const routeIds = Object.entries(resourcesOf(synth.statelessTemplate, 'AWS::ApiGatewayV2::Route'))
      .filter(([, r]) => /activity/.test(String(r.Properties?.['RouteKey'])))
      .map(([id]) => id);
    expect(routeIds).toHaveLength(2);
    expect(stage.DependsOn ?? [], stageId).toEqual(expect.arrayContaining(routeIds));
  });

  it('counts API Gateway\'s own 429s from the access log, not the function\'s limit_exceeded', () => {
    synth.statelessTemplate.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ ($.status = "429") && ($.integrationLatencyMs = "-") }',
      MetricTransformations: [Match.objectLike({ MetricName: 'ThrottledRequests', MetricNamespace: 'SessionExpiry/AccessLogs', MetricValue: '1' })],
    });
  });

  it('lets the stack\'s task roles invoke the task route, and nothing else', () => {
    const policies = Object.values(resourcesOf(synth.statelessTemplate, 'AWS::IAM::Policy')).map((p) => p.Properties as { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] }; Roles: { Ref: string }[] });
    const invoking = policies.filter((p) => JSON.stringify(p.PolicyDocument).includes('execute-api:Invoke'));
    expect(invoking.flatMap((p) => p.Roles.map((r) => r.Ref))).toEqual([expect.stringMatching(/^TasksSessionTaskRole/)]);
    const [statement] = invoking.flatMap((p) => p.PolicyDocument.Statement.filter((st) => st.Action === 'execute-api:Invoke'));
    expect(JSON.stringify(statement?.Resource)).toMatch(/"\/\*\/POST\/sessions\/\*\/task-activity"/);
  });

  it('has no CORS configuration when no origins are configured', () => {
    synth.statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
  });

  it('tells the functions the API URL', () => {
    for (const env of envOfFunctions(synth)) expect(env['SESSION_API_URL']).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ApiHttpApi/) as unknown, 'ApiEndpoint'] });
  });
});

describe('SessionApi with an external issuer and CORS origins', () => {
  let synth: SynthesizedApp;

  beforeAll(() => {
    const raw = rawConfig();
    raw['auth'] = { issuer: 'https://id.example.com/', audience: ['session-api'] };
    raw['cors'] = { allowOrigins: ['https://app.example.com'] };
    synth = synthApp(raw);
  });
  afterAll(() => synth?.cleanup());

  it('checks tokens of the configured issuer and audience, and makes no user pool', () => {
    synth.statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://id.example.com/', Audience: ['session-api'] },
    });
    synth.statelessTemplate.resourceCountIs('AWS::Cognito::UserPool', 0);
    expect(Object.keys(synth.statelessTemplate.findOutputs('*'))).not.toContain('UserPoolId');
    for (const env of envOfFunctions(synth)) {
      expect(env['JWT_ISSUER']).toBe('https://id.example.com/');
      expect(env['JWT_AUDIENCE']).toBe('session-api');
      expect(env['JWT_JWKS_URL']).toBe('https://id.example.com/.well-known/jwks.json');
    }
  });

  it('answers CORS preflights for the configured origins with the headers clients send', () => {
    synth.statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: ['https://app.example.com'],
        AllowHeaders: Match.arrayWith(['authorization', 'idempotency-key', 'x-session-token']),
        AllowMethods: Match.arrayWith(['GET', 'POST', 'DELETE']),
      },
    });
  });
});
