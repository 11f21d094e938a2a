// A workspace record as the use cases write one, for adapter and handler tests that start from a
// known record rather than from sessions.
import { type Workspace, workspaceIdOf } from '../../lambdas/domain/workspace';

export const workspaceFixture = (ownerId: string, overrides: Partial<Workspace> & { profile?: string } = {}): Workspace => {
  const profile = overrides.profile ?? 'studio';
  return {
    id: workspaceIdOf(ownerId, profile),
    ownerId,
    profile,
    state: 'in_use',
    sessionId: '0b6f8f7e-3c1a-4f43-9f55-1b2f4f5a6c7d',
    mountPath: '/home/user/work',
    sizeGiB: 20,
    createdAt: '2026-03-10T12:00:00.000Z',
    lastUsedAt: '2026-03-10T12:00:00.000Z',
    retentionSeconds: 86_400,
    scheduleSeq: 0,
    version: 1,
    ...overrides,
  };
};
