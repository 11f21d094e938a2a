// The API Gateway HTTP API (payload v2) event and result as the handlers use them. The authorizer
// part is optional: the activity route and /health have none, a JWT route carries `jwt`, the task
// route (IAM authorization) carries `iam`; the local server builds the same shape.
import {
  type APIGatewayEventRequestContextIAMAuthorizer,
  type APIGatewayEventRequestContextV2,
  type APIGatewayProxyEventV2WithRequestContext,
} from 'aws-lambda';

/** Claims as API Gateway passes them: arrays may arrive flattened to strings like "[a b]". */
export type JwtClaims = Record<string, unknown>;

/** The signer of a request API Gateway verified with SigV4 (`userArn` is the caller's ARN). */
export type IamCaller = Partial<APIGatewayEventRequestContextIAMAuthorizer['iam']>;

export type ApiRequestContext = APIGatewayEventRequestContextV2 & {
  authorizer?: { jwt?: { claims?: JwtClaims; scopes?: string[] | null }; iam?: IamCaller };
};

export type ApiEvent = APIGatewayProxyEventV2WithRequestContext<ApiRequestContext>;

export interface ApiResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** A header value by name, whatever its case (API Gateway lower-cases; other callers may not). */
export const headerOf = (event: Pick<ApiEvent, 'headers'>, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
};
