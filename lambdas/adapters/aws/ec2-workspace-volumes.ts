// WorkspaceVolumes on EBS (README "Workspaces"): a session's volume is the one ECS made at RunTask
// (ecs-task-runner.ts tags it with the session, workspace and stack); giving the workspace back
// snapshots it; the snapshot's completion (finish-workspace-save.ts) deletes the volume and the
// snapshot it replaces; deleting the workspace deletes all of its snapshots and volumes. Every call
// names only resources that carry the stack's tag, which is what its IAM grants are scoped by.
// The commands come with the client package (`sdk`), which the functions load on first use (sdk/client-ec2.ts).
import type { EC2Client, Filter, Tag } from '@aws-sdk/client-ec2';
import type * as Ec2Sdk from './sdk/client-ec2';
import { type Workspace } from '../../domain/workspace';
import { type WorkspaceKey } from '../../ports/workspace-store';
import { type SaveOutcome, type WorkspaceResource, type WorkspaceVolumes } from '../../ports/workspace-volumes';
import { errorName, rethrowAwsError } from './aws-errors';
import { TAG_WORKSPACE_ID, TAG_WORKSPACE_OWNER, TAG_WORKSPACE_PROFILE, decodeOwnerTag, encodeOwnerTag } from '../../../contract/workspace-tags';
import { TAG_SESSION_ID } from '../../../contract/ecs-tasks';

export interface Ec2WorkspaceVolumesOptions {
  /** The stack's tag (key and value) every workspace volume and snapshot carries. */
  stackTag: { key: string; value: string };
}

const isGone = (error: unknown): boolean => /^Invalid(Volume|Snapshot)\.NotFound$/.test(errorName(error) ?? '');

const tagOf = (tags: readonly Tag[] | undefined, key: string): string | undefined => tags?.find((t) => t.Key === key)?.Value;

export class Ec2WorkspaceVolumes implements WorkspaceVolumes {
  private client: EC2Client | undefined;

  /** `ec2` may be a factory: the client is then made on the first call (most invocations make none). */
  constructor(
    private readonly makeClient: EC2Client | (() => EC2Client),
    private readonly options: Ec2WorkspaceVolumesOptions,
    private readonly sdk: typeof Ec2Sdk,
  ) {}

  private get ec2(): EC2Client {
    this.client ??= typeof this.makeClient === 'function' ? this.makeClient() : this.makeClient;
    return this.client;
  }

  async save(workspace: Workspace, sessionId: string): Promise<SaveOutcome> {
    const ours = [...this.workspaceFilters(workspace), { Name: `tag:${TAG_SESSION_ID}`, Values: [sessionId] }];
    const volumes = await this.call('EC2 DescribeVolumes', () => this.ec2.send(new this.sdk.DescribeVolumesCommand({ Filters: ours })));
    const volumeId = volumes.Volumes?.[0]?.VolumeId;
    // The session never got a volume (its start failed): the last snapshot is still the latest work.
    if (volumeId === undefined) return { saved: true };
    // A give-back retried after its CreateSnapshot went through: take that snapshot, not a second one.
    const taken = await this.call('EC2 DescribeSnapshots', () =>
      this.ec2.send(new this.sdk.DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [...ours, { Name: 'volume-id', Values: [volumeId] }] })),
    );
    const inFlight = taken.Snapshots?.find((s) => s.State === 'pending')?.SnapshotId;
    if (inFlight !== undefined) return { saved: false, snapshotId: inFlight, volumeId };
    const created = await this.call('EC2 CreateSnapshot', () =>
      this.ec2.send(
        new this.sdk.CreateSnapshotCommand({
          VolumeId: volumeId,
          Description: `session-expiry workspace ${workspace.id} after session ${sessionId}`,
          TagSpecifications: [
            {
              ResourceType: 'snapshot',
              Tags: [
                { Key: this.options.stackTag.key, Value: this.options.stackTag.value },
                { Key: TAG_WORKSPACE_ID, Value: workspace.id },
                { Key: TAG_SESSION_ID, Value: sessionId },
                { Key: TAG_WORKSPACE_OWNER, Value: encodeOwnerTag(workspace.ownerId) },
                { Key: TAG_WORKSPACE_PROFILE, Value: workspace.profile },
              ],
            },
          ],
        }),
      ),
    );
    if (created.SnapshotId === undefined) throw new Error('EC2 CreateSnapshot answered without a snapshot id');
    return { saved: false, snapshotId: created.SnapshotId, volumeId };
  }

  async snapshotOwner(snapshotId: string): Promise<WorkspaceKey | undefined> {
    let found;
    try {
      found = await this.ec2.send(new this.sdk.DescribeSnapshotsCommand({ SnapshotIds: [snapshotId], OwnerIds: ['self'] }));
    } catch (error) {
      if (isGone(error)) return undefined;
      return rethrowAwsError(error, 'EC2 DescribeSnapshots');
    }
    return this.ownerOf(found.Snapshots?.[0]?.Tags);
  }

  async leftovers(): Promise<WorkspaceResource[]> {
    const stack = [{ Name: `tag:${this.options.stackTag.key}`, Values: [this.options.stackTag.value] }];
    // Only volumes no task has attached: an attached one belongs to a running session.
    const volumes = await this.call('EC2 DescribeVolumes', () =>
      this.ec2.send(new this.sdk.DescribeVolumesCommand({ Filters: [...stack, { Name: 'status', Values: ['available'] }] })),
    );
    const snapshots = await this.call('EC2 DescribeSnapshots', () => this.ec2.send(new this.sdk.DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: stack })));
    return [
      ...(volumes.Volumes ?? []).flatMap((v) => this.resourceOf('volume', v.VolumeId, v.CreateTime, v.Tags)),
      ...(snapshots.Snapshots ?? []).flatMap((s) => this.resourceOf('snapshot', s.SnapshotId, s.StartTime, s.Tags)),
    ];
  }

  /** Only our stack's resources: EC2 and its events see every volume and snapshot of the account. */
  private ownerOf(tags: readonly Tag[] | undefined): WorkspaceKey | undefined {
    if (tagOf(tags, this.options.stackTag.key) !== this.options.stackTag.value) return undefined;
    const owner = tagOf(tags, TAG_WORKSPACE_OWNER);
    const profile = tagOf(tags, TAG_WORKSPACE_PROFILE);
    if (owner === undefined || profile === undefined) return undefined;
    return { ownerId: decodeOwnerTag(owner), profile };
  }

  private resourceOf(kind: WorkspaceResource['kind'], id: string | undefined, created: Date | undefined, tags: readonly Tag[] | undefined): WorkspaceResource[] {
    const owner = this.ownerOf(tags);
    if (id === undefined || owner === undefined) return [];
    const sessionId = tagOf(tags, TAG_SESSION_ID);
    return [{ kind, id, owner, createdAt: created?.getTime() ?? 0, ...(sessionId !== undefined && { sessionId }) }];
  }

  async discard(resource: { volumeId?: string; snapshotId?: string }): Promise<void> {
    if (resource.volumeId !== undefined) await this.deleteVolume(resource.volumeId);
    if (resource.snapshotId !== undefined) await this.deleteSnapshot(resource.snapshotId);
  }

  async remove(workspace: Workspace): Promise<void> {
    const filters = this.workspaceFilters(workspace);
    const snapshots = await this.call('EC2 DescribeSnapshots', () => this.ec2.send(new this.sdk.DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: filters })));
    for (const snapshot of snapshots.Snapshots ?? []) if (snapshot.SnapshotId !== undefined) await this.deleteSnapshot(snapshot.SnapshotId);
    const volumes = await this.call('EC2 DescribeVolumes', () => this.ec2.send(new this.sdk.DescribeVolumesCommand({ Filters: filters })));
    for (const volume of volumes.Volumes ?? []) if (volume.VolumeId !== undefined) await this.deleteVolume(volume.VolumeId);
  }

  private workspaceFilters(workspace: Workspace): Filter[] {
    return [
      { Name: `tag:${this.options.stackTag.key}`, Values: [this.options.stackTag.value] },
      { Name: `tag:${TAG_WORKSPACE_ID}`, Values: [workspace.id] },
    ];
  }

  private async deleteVolume(volumeId: string): Promise<void> {
    try {
      await this.ec2.send(new this.sdk.DeleteVolumeCommand({ VolumeId: volumeId }));
    } catch (error) {
      if (!isGone(error)) rethrowAwsError(error, 'EC2 DeleteVolume');
    }
  }

  private async deleteSnapshot(snapshotId: string): Promise<void> {
    try {
      await this.ec2.send(new this.sdk.DeleteSnapshotCommand({ SnapshotId: snapshotId }));
    } catch (error) {
      if (!isGone(error)) rethrowAwsError(error, 'EC2 DeleteSnapshot');
    }
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      return rethrowAwsError(error, operation);
    }
  }
}
