// The four functions of a synthesized app as IAM sees them (execution role, its policies, the
// environment that addresses their resources), by their name in contract/function-calls.ts.
import { type CfnElement } from 'aws-cdk-lib';
import { FUNCTION_NAMES, type FunctionName } from '../../../contract/function-calls';
import { CfnResolver } from '../cfn-intrinsics';
import { readCloudAssembly } from '../cloud-assembly';
import { type SynthesizedApp } from '../synth-app';
import { type FunctionIdentity, functionIdentity } from './deployed-roles';

export interface SynthesizedFunctions {
  resolver: CfnResolver;
  functions: Record<FunctionName, FunctionIdentity>;
}

export const synthesizedFunctions = (synth: SynthesizedApp): SynthesizedFunctions => {
  const resolver = new CfnResolver(readCloudAssembly(synth.outdir).templates);
  const stack = synth.stateless;
  const identityOf = (name: FunctionName): FunctionIdentity =>
    functionIdentity(resolver, stack.stackName, stack.getLogicalId(stack.functions[name].node.defaultChild as CfnElement));
  return { resolver, functions: Object.fromEntries(FUNCTION_NAMES.map((name) => [name, identityOf(name)])) as Record<FunctionName, FunctionIdentity> };
};
