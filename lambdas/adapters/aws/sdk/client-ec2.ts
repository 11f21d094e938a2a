// What the workspaces' EBS adapter uses of its client package: in a deployment with workspaces the
// package is loaded on first use, from a file of its own beside the bundle built from this module
// (FIRST_USE_PACKAGES in lib/constructs/session-function.ts, README "Performance"), so it exports
// exactly this. Its type is what the adapter and its root see: using more of the package fails
// typecheck, not a deploy.
export {
  CreateSnapshotCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
