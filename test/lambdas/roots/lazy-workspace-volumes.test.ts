// The EBS adapter is loaded on the first call, not at init (README "Performance"): the port's calls
// reach it once loaded, it is loaded once, and a load that failed is tried again on the next call.
import { describe, expect, it } from 'vitest';
import { type WorkspaceVolumes } from '../../../lambdas/ports/workspace-volumes';
import { LazyWorkspaceVolumes } from '../../../lambdas/roots/lazy-workspace-volumes';
import { workspaceFixture } from '../../support/workspace-fixture';

const recording = (calls: string[]): WorkspaceVolumes => ({
  save: (_w, sessionId) => {
    calls.push(`save ${sessionId}`);
    return Promise.resolve({ saved: true });
  },
  snapshotOwner: (id) => {
    calls.push(`owner ${id}`);
    return Promise.resolve(undefined);
  },
  discard: (r) => {
    calls.push(`discard ${r.volumeId ?? r.snapshotId ?? ''}`);
    return Promise.resolve();
  },
  remove: () => {
    calls.push('remove');
    return Promise.resolve();
  },
  leftovers: () => {
    calls.push('leftovers');
    return Promise.resolve([]);
  },
});

describe('LazyWorkspaceVolumes', () => {
  it('loads nothing until the first call, then loads once and forwards every call', async () => {
    const calls: string[] = [];
    let loads = 0;
    const volumes = new LazyWorkspaceVolumes(() => {
      loads += 1;
      return Promise.resolve(recording(calls));
    });
    expect(loads).toBe(0);

    await volumes.save(workspaceFixture('alice'), 's-1');
    await volumes.snapshotOwner('snap-1');
    await volumes.discard({ volumeId: 'vol-1' });
    await volumes.remove(workspaceFixture('alice'));
    await volumes.leftovers();

    expect(loads).toBe(1);
    expect(calls).toEqual(['save s-1', 'owner snap-1', 'discard vol-1', 'remove', 'leftovers']);
  });

  it('tries the load again after one that failed', async () => {
    const calls: string[] = [];
    let loads = 0;
    const volumes = new LazyWorkspaceVolumes(() => {
      loads += 1;
      return loads === 1 ? Promise.reject(new Error('module failed to load')) : Promise.resolve(recording(calls));
    });

    await expect(volumes.leftovers()).rejects.toThrow('module failed to load');
    await volumes.leftovers();

    expect(loads).toBe(2);
    expect(calls).toEqual(['leftovers']);
  });
});
