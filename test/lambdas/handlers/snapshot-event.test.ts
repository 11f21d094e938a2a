// The EBS snapshot notification handler (README "Workspaces"): a createSnapshot of a workspace
// finishes its save; other snapshot events and other accounts' snapshots change nothing; a
// malformed event is dropped.
import { beforeEach, describe, expect, it } from 'vitest';
import { makeSnapshotEventHandler } from '../../../lambdas/handlers/snapshot-event';
import { makeTaskEventHandler } from '../../../lambdas/handlers/task-event';
import { workspaceFixture } from '../../support/workspace-fixture';
import { type FakeDeps, RecordingLog, makeDeps } from '../../support/fakes';
import { lambdaContext } from '../../support/apigw-events';
import { captureOutput } from '../../support/captured-output';

let deps: FakeDeps;
let output: string[];
const key = { ownerId: 'alice', profile: 'studio' };

beforeEach(() => {
  deps = makeDeps();
  output = [];
  deps.workspaces.store.seed(
    workspaceFixture('alice', { state: 'saving', pendingSnapshotId: 'snap-0123456789abcdef0', volumeId: 'vol-1', version: 4 }),
  );
  deps.workspaces.volumes.snapshotOwners.set('snap-0123456789abcdef0', key);
});

const handler = () => makeSnapshotEventHandler({ deps: () => deps, log: new RecordingLog() });
const invoke = (event: unknown) => captureOutput(output, () => handler()(event, lambdaContext('session-expiry-snapshot-event')));

/** An EBS Snapshot Notification as EventBridge delivers it. */
const notification = (detail: { event?: string; result?: string; snapshot?: string }) => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'EBS Snapshot Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2026-03-10T12:05:00Z',
  region: 'eu-west-1',
  resources: [`arn:aws:ec2:eu-west-1::snapshot/${detail.snapshot ?? 'snap-0123456789abcdef0'}`],
  detail: {
    event: detail.event ?? 'createSnapshot',
    result: detail.result ?? 'succeeded',
    cause: '',
    'request-id': '',
    snapshot_id: `arn:aws:ec2:eu-west-1::snapshot/${detail.snapshot ?? 'snap-0123456789abcdef0'}`,
    source: 'arn:aws:ec2:eu-west-1::volume/vol-1',
    startTime: '2026-03-10T12:00:00Z',
    endTime: '2026-03-10T12:05:00Z',
  },
});

describe('snapshot-event handler', () => {
  it("a succeeded createSnapshot of a workspace's pending snapshot marks it saved", async () => {
    expect(await invoke(notification({}))).toEqual({ outcome: 'saved' });
    expect(deps.workspaces.store.peek(key)).toMatchObject({ state: 'saved', snapshotId: 'snap-0123456789abcdef0' });
  });

  it('a failed one is taken again', async () => {
    deps.workspaces.volumes.saveOutcome = { saved: false, snapshotId: 'snap-0000000000000000b', volumeId: 'vol-1' };

    expect(await invoke(notification({ result: 'failed' }))).toEqual({ outcome: 'retried' });
    expect(deps.workspaces.store.peek(key)?.pendingSnapshotId).toBe('snap-0000000000000000b');
  });

  it('ignores copies and shares, leaves snapshots that are not ours alone, and drops a malformed event', async () => {
    expect(await invoke(notification({ event: 'copySnapshot' }))).toEqual({ outcome: 'ignored' });
    expect(await invoke(notification({ snapshot: 'snap-00000000000000aaa' }))).toEqual({ outcome: 'not_ours' });
    expect(await invoke({ 'detail-type': 'EBS Snapshot Notification', detail: { event: 'createSnapshot' } })).toEqual({ outcome: 'dropped' });
    expect(deps.workspaces.store.peek(key)?.state).toBe('saving');
  });

  it('is handled the same by the task-event function, its deployed target (one function, no cold start of its own)', async () => {
    const taskEvent = makeTaskEventHandler({ deps: () => ({ ...deps, taskMarker: 'session-expiry' }), log: new RecordingLog() });
    const result = await captureOutput(output, () => taskEvent(notification({}), lambdaContext('session-expiry-task-event')));

    expect(result).toEqual({ outcome: 'saved' });
    expect(deps.workspaces.store.peek(key)?.state).toBe('saved');
  });
});
