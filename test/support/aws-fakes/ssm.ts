// A local SSM Parameter Store for SDK v3 clients (AWS JSON 1.1): GetParametersByPath over the
// parameters it is given (the templates' AWS::SSM::Parameter resources, values resolved), paged as
// SSM pages (at most 10 a page, NextToken), one level below the path unless Recursive, with SSM's
// answer to a path that is not one. Parameters can be changed, as an operator or a deploy would,
// and every read refused, as SSM refuses a role without the grant or throttles.
import { AwsServiceError, type HttpFake, type RecordedCall, startJsonRpcFake } from './http-fake';

export interface FakeParameter {
  Name: string;
  Value: string;
  Type: string;
}

export interface SsmFake extends HttpFake {
  calls: RecordedCall[];
  /** Parameters by name; change them freely. */
  parameters: Map<string, FakeParameter>;
  /** While set, every read fails with this error. */
  refuse: AwsServiceError | undefined;
}

const PAGE_MAX = 10;

export const startSsmFake = async (options: { parameters: FakeParameter[] }): Promise<SsmFake> => {
  const calls: RecordedCall[] = [];
  const parameters = new Map(options.parameters.map((p) => [p.Name, p]));

  const refusal: { error: AwsServiceError | undefined } = { error: undefined };
  const getParametersByPath = (input: Record<string, unknown>) => {
    if (refusal.error !== undefined) throw refusal.error;
    const path = input['Path'];
    if (typeof path !== 'string' || !path.startsWith('/')) throw new AwsServiceError(400, 'ValidationException', 'Path must start with /.');
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const pageSize = Math.min(typeof input['MaxResults'] === 'number' ? input['MaxResults'] : PAGE_MAX, PAGE_MAX);
    const under = [...parameters.values()]
      .filter((p) => p.Name.startsWith(prefix) && (input['Recursive'] === true || !p.Name.slice(prefix.length).includes('/')))
      .sort((a, b) => a.Name.localeCompare(b.Name));
    const start = typeof input['NextToken'] === 'string' ? Number(input['NextToken']) : 0;
    const page = under.slice(start, start + pageSize);
    return {
      Parameters: page.map((p) => ({ ...p, Version: 1, DataType: 'text' })),
      ...(start + pageSize < under.length && { NextToken: String(start + pageSize) }),
    };
  };

  const server = await startJsonRpcFake('AmazonSSM', '1.1', { GetParametersByPath: getParametersByPath }, calls);
  return {
    ...server,
    calls,
    parameters,
    get refuse() {
      return refusal.error;
    },
    set refuse(error) {
      refusal.error = error;
    },
  };
};
