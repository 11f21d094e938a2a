// EcsTaskRunner with a workspace (README "Workspaces"): RunTask gets an ECS-managed EBS volume,
// encrypted gp3 of the profile's size, restored from the latest snapshot when there is one, tagged
// for the give-back and the sweep, and kept when the task stops. Against a mocked ECS client.
import { ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EcsTaskRunner, type EcsTaskRunnerOptions, WORKSPACE_VOLUME_NAME, fixedTargets } from '../../../../lambdas/adapters/aws/ecs-task-runner';
import { workspaceIdOf } from '../../../../lambdas/domain/workspace';

const SESSION_ID = '0b6f8f7e-3c1a-4f43-9f55-1b2f4f5a6c7d';
const INFRASTRUCTURE_ROLE = 'arn:aws:iam::123456789012:role/SessionExpiry-EcsVolumes';
const WORKSPACE_ID = workspaceIdOf('alice', 'studio');

const OPTIONS: EcsTaskRunnerOptions = {
  clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/sessions',
  subnetIds: ['subnet-a'],
  securityGroupIds: [],
  assignPublicIp: false,
  profiles: fixedTargets({ studio: { taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/studio:1', containerName: 'session' } }),
  startedBy: 'se-SessionExpiryStateless-1a2b3c4d',
  workspaceVolumes: { infrastructureRoleArn: INFRASTRUCTURE_ROLE, stackTag: { key: 'session-expiry:stack', value: 'SessionExpiryStateless' } },
};

const request = (snapshotId?: string) => ({
  sessionId: SESSION_ID,
  ownerId: 'alice',
  profile: 'studio',
  environment: { SESSION_ID },
  workspace: { id: WORKSPACE_ID, mountPath: '/home/user/work', sizeGiB: 20, ...(snapshotId !== undefined && { snapshotId }) },
});

describe('EcsTaskRunner: workspace volumes', () => {
  const ecs = new ECSClient({ region: 'eu-west-1' });
  const ecsMock = mockClient(ecs);
  beforeEach(() => {
    ecsMock.reset();
    ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/sessions/1' }] });
  });

  const volumeOfLastRunTask = () => ecsMock.commandCalls(RunTaskCommand).at(-1)?.args[0].input.volumeConfigurations;

  it('restores the latest snapshot into an encrypted gp3 volume that outlives the task', async () => {
    await new EcsTaskRunner(ecs, OPTIONS).start(request('snap-0123456789abcdef0'));

    expect(volumeOfLastRunTask()).toEqual([
      {
        name: WORKSPACE_VOLUME_NAME,
        managedEBSVolume: {
          encrypted: true,
          volumeType: 'gp3',
          sizeInGiB: 20,
          snapshotId: 'snap-0123456789abcdef0',
          roleArn: INFRASTRUCTURE_ROLE,
          terminationPolicy: { deleteOnTermination: false },
          tagSpecifications: [
            {
              resourceType: 'volume',
              propagateTags: 'NONE',
              tags: [
                { key: 'session-id', value: SESSION_ID },
                { key: 'owner-id', value: 'alice' },
                { key: 'profile', value: 'studio' },
                { key: 'workspace-id', value: WORKSPACE_ID },
                { key: 'workspace-owner', value: Buffer.from('alice').toString('base64url') },
                { key: 'workspace-profile', value: 'studio' },
                { key: 'session-expiry:stack', value: 'SessionExpiryStateless' },
              ],
            },
          ],
        },
      },
    ]);
  });

  it('makes a new ext4 volume for a workspace without a snapshot, and none for a session without a workspace', async () => {
    const runner = new EcsTaskRunner(ecs, OPTIONS);
    await runner.start(request());
    expect(volumeOfLastRunTask()?.[0]?.managedEBSVolume).toMatchObject({ filesystemType: 'ext4', sizeInGiB: 20 });
    expect(volumeOfLastRunTask()?.[0]?.managedEBSVolume).not.toHaveProperty('snapshotId');

    const { workspace: _none, ...withoutWorkspace } = request();
    await runner.start(withoutWorkspace);
    expect(volumeOfLastRunTask()).toBeUndefined();
  });

  it('refuses to start a session with a workspace where the deployment has no workspace volumes', async () => {
    const { workspaceVolumes: _none, ...without } = OPTIONS;

    await expect(new EcsTaskRunner(ecs, without).start(request())).rejects.toThrow(/no workspace volumes/);
    expect(ecsMock.commandCalls(RunTaskCommand)).toHaveLength(0);
  });
});
