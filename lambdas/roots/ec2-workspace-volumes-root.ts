// The EBS side of the workspaces (README "Workspaces"), made only where a profile has a workspace.
// aws-adapters.ts calls it on the first EC2 call: the EC2 client's code is most of a megabyte, and
// evaluating it at init would double every function's cold start (README "Performance") for
// invocations that, mostly, never touch a volume. The client package is a first-use package of a
// workspace deployment's bundles: not in them, but bundled beside them, so not even its parsing is
// on a cold start.
import { Ec2WorkspaceVolumes, type Ec2WorkspaceVolumesOptions } from '../adapters/aws/ec2-workspace-volumes';
import type * as Ec2Sdk from '../adapters/aws/sdk/client-ec2';

export const makeEc2WorkspaceVolumes = async (options: Ec2WorkspaceVolumesOptions): Promise<Ec2WorkspaceVolumes> => {
  const sdk: typeof Ec2Sdk = await import('@aws-sdk/client-ec2');
  return new Ec2WorkspaceVolumes(new sdk.EC2Client({}), options, sdk);
};
