// Ec2WorkspaceVolumes against a mocked EC2 client with the SDK's real exception class (README
// "Workspaces"): snapshot on stop (once, even when the give-back is retried), finding the workspace
// of a completed snapshot from its tags, deleting the volume and replaced snapshot, and deleting
// every snapshot and volume of a workspace, a resource already gone counting as deleted.
import {
  CreateSnapshotCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  EC2ServiceException,
} from '@aws-sdk/client-ec2';
import * as ec2Sdk from '../../../../lambdas/adapters/aws/sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Ec2WorkspaceVolumes } from '../../../../lambdas/adapters/aws/ec2-workspace-volumes';
import { UnavailableError } from '../../../../lambdas/domain/errors';
import { workspaceFixture } from '../../../support/workspace-fixture';

const STACK_TAG = { key: 'session-expiry:stack', value: 'SessionExpiryStateless' };
const SESSION_ID = '0b6f8f7e-3c1a-4f43-9f55-1b2f4f5a6c7d';
const OWNER = 'auth0|alice';

const workspace = workspaceFixture(OWNER, { sessionId: SESSION_ID, version: 3 });

const ec2Error = (name: string, fault: 'client' | 'server' = 'client'): EC2ServiceException =>
  new EC2ServiceException({ name, $fault: fault, $metadata: {}, message: name });

describe('Ec2WorkspaceVolumes', () => {
  const ec2 = new EC2Client({ region: 'eu-west-1' });
  const ec2Mock = mockClient(ec2);
  const volumes = new Ec2WorkspaceVolumes(ec2, { stackTag: STACK_TAG }, ec2Sdk);
  beforeEach(() => ec2Mock.reset());

  describe('save', () => {
    it("snapshots the session's volume, found by the stack, workspace and session tags, and tags the snapshot with its workspace", async () => {
      ec2Mock.on(DescribeVolumesCommand).resolves({ Volumes: [{ VolumeId: 'vol-1' }] });
      ec2Mock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
      ec2Mock.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-1' });

      expect(await volumes.save(workspace, SESSION_ID)).toEqual({ saved: false, snapshotId: 'snap-1', volumeId: 'vol-1' });

      expect(ec2Mock.commandCalls(DescribeVolumesCommand)[0]?.args[0].input.Filters).toEqual([
        { Name: 'tag:session-expiry:stack', Values: ['SessionExpiryStateless'] },
        { Name: 'tag:workspace-id', Values: [workspace.id] },
        { Name: 'tag:session-id', Values: [SESSION_ID] },
      ]);
      const tags = ec2Mock.commandCalls(CreateSnapshotCommand)[0]?.args[0].input.TagSpecifications?.[0]?.Tags;
      expect(tags).toContainEqual({ Key: 'session-expiry:stack', Value: 'SessionExpiryStateless' });
      expect(tags).toContainEqual({ Key: 'workspace-owner', Value: Buffer.from(OWNER).toString('base64url') });
    });

    it('takes the snapshot already in flight when the give-back is retried, and none when the session never got a volume', async () => {
      ec2Mock.on(DescribeVolumesCommand).resolvesOnce({ Volumes: [{ VolumeId: 'vol-1' }] }).resolves({ Volumes: [] });
      ec2Mock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-1', State: 'pending' }] });

      expect(await volumes.save(workspace, SESSION_ID)).toEqual({ saved: false, snapshotId: 'snap-1', volumeId: 'vol-1' });
      expect(await volumes.save(workspace, SESSION_ID)).toEqual({ saved: true });
      expect(ec2Mock.commandCalls(CreateSnapshotCommand)).toHaveLength(0);
    });

    it('reads a throttled EC2 as unavailable, so the give-back is retried', async () => {
      ec2Mock.on(DescribeVolumesCommand).rejects(ec2Error('RequestLimitExceeded'));

      await expect(volumes.save(workspace, SESSION_ID)).rejects.toBeInstanceOf(UnavailableError);
    });
  });

  describe('snapshotOwner', () => {
    it("reads the workspace from the snapshot's tags, and ignores snapshots of other stacks or none at all", async () => {
      const tagged = (stack: string) => ({
        Snapshots: [
          {
            SnapshotId: 'snap-1',
            Tags: [
              { Key: STACK_TAG.key, Value: stack },
              { Key: 'workspace-owner', Value: Buffer.from(OWNER).toString('base64url') },
              { Key: 'workspace-profile', Value: 'studio' },
            ],
          },
        ],
      });
      ec2Mock.on(DescribeSnapshotsCommand).resolvesOnce(tagged(STACK_TAG.value)).resolvesOnce(tagged('AnotherStack')).rejects(ec2Error('InvalidSnapshot.NotFound'));

      expect(await volumes.snapshotOwner('snap-1')).toEqual({ ownerId: OWNER, profile: 'studio' });
      expect(await volumes.snapshotOwner('snap-1')).toBeUndefined();
      expect(await volumes.snapshotOwner('snap-gone')).toBeUndefined();
    });
  });

  describe('leftovers', () => {
    it('lists unattached volumes and every snapshot of the stack, with the workspace their tags name', async () => {
      const tags = [
        { Key: STACK_TAG.key, Value: STACK_TAG.value },
        { Key: 'workspace-owner', Value: Buffer.from(OWNER).toString('base64url') },
        { Key: 'workspace-profile', Value: 'studio' },
        { Key: 'session-id', Value: SESSION_ID },
      ];
      ec2Mock.on(DescribeVolumesCommand).resolves({ Volumes: [{ VolumeId: 'vol-1', CreateTime: new Date(1000), Tags: tags }, { VolumeId: 'vol-untagged' }] });
      ec2Mock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-1', StartTime: new Date(2000), Tags: tags.slice(0, 3) }] });

      expect(await volumes.leftovers()).toEqual([
        { kind: 'volume', id: 'vol-1', owner: { ownerId: OWNER, profile: 'studio' }, sessionId: SESSION_ID, createdAt: 1000 },
        { kind: 'snapshot', id: 'snap-1', owner: { ownerId: OWNER, profile: 'studio' }, createdAt: 2000 },
      ]);
      expect(ec2Mock.commandCalls(DescribeVolumesCommand)[0]?.args[0].input.Filters).toContainEqual({ Name: 'status', Values: ['available'] });
    });
  });

  describe('discard and remove', () => {
    it('deletes the volume and the replaced snapshot, counting one already gone as deleted', async () => {
      ec2Mock.on(DeleteVolumeCommand).rejects(ec2Error('InvalidVolume.NotFound'));
      ec2Mock.on(DeleteSnapshotCommand).resolves({});

      await volumes.discard({ volumeId: 'vol-1', snapshotId: 'snap-0' });

      expect(ec2Mock.commandCalls(DeleteVolumeCommand)[0]?.args[0].input).toEqual({ VolumeId: 'vol-1' });
      expect(ec2Mock.commandCalls(DeleteSnapshotCommand)[0]?.args[0].input).toEqual({ SnapshotId: 'snap-0' });
    });

    it('deletes every snapshot and volume of the workspace, and fails on anything but not-found', async () => {
      ec2Mock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-1' }, { SnapshotId: 'snap-2' }] });
      ec2Mock.on(DescribeVolumesCommand).resolves({ Volumes: [{ VolumeId: 'vol-9' }] });
      ec2Mock.on(DeleteSnapshotCommand).resolves({});
      ec2Mock.on(DeleteVolumeCommand).resolves({});

      await volumes.remove(workspace);

      expect(ec2Mock.commandCalls(DeleteSnapshotCommand).map((c) => c.args[0].input.SnapshotId)).toEqual(['snap-1', 'snap-2']);
      expect(ec2Mock.commandCalls(DeleteVolumeCommand).map((c) => c.args[0].input.VolumeId)).toEqual(['vol-9']);

      ec2Mock.on(DeleteSnapshotCommand).rejects(ec2Error('InvalidSnapshot.InUse'));
      await expect(volumes.remove(workspace)).rejects.toThrow(/InvalidSnapshot\.InUse/);
    });
  });
});
