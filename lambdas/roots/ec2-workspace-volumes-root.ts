// The EBS side of the workspaces (README "Workspaces"), made only where a profile has a workspace.
// aws-adapters.ts loads this module with import() on the first EC2 call: the EC2 client's code is
// most of a megabyte, and evaluating it at init would double every function's cold start (README
// "Performance") for invocations that, mostly, never touch a volume.
import { EC2Client } from '@aws-sdk/client-ec2';
import { Ec2WorkspaceVolumes, type Ec2WorkspaceVolumesOptions } from '../adapters/aws/ec2-workspace-volumes';

export const makeEc2WorkspaceVolumes = (options: Ec2WorkspaceVolumesOptions): Ec2WorkspaceVolumes => new Ec2WorkspaceVolumes(new EC2Client({}), options);
