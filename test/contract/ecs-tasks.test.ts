// The per-deployment task marker: what ECS accepts as `startedBy`, the same for the same deployment
// every time, and different for any two deployments.
import { describe, expect, it } from 'vitest';
import { TASK_MARKER_MAX_LENGTH, TASK_MARKER_PATTERN, taskMarkerFor } from '../../contract/ecs-tasks';

describe('taskMarkerFor', () => {
  it('is readable, within what ECS accepts, and the same on every call', () => {
    const marker = taskMarkerFor('SessionExpiryStateless');

    expect(marker).toMatch(/^se-SessionExpiryStateless-[0-9a-f]{8}$/);
    expect(marker).toMatch(TASK_MARKER_PATTERN);
    expect(taskMarkerFor('SessionExpiryStateless')).toBe(marker);
  });

  it('tells apart names that differ only past the part it can show, and cuts them to 36 characters', () => {
    const a = taskMarkerFor('SessionExpiryStatelessForTheLabsTeam-Staging');
    const b = taskMarkerFor('SessionExpiryStatelessForTheLabsTeam-Production');

    expect(a).not.toBe(b);
    for (const marker of [a, b]) {
      expect(marker.length).toBeLessThanOrEqual(TASK_MARKER_MAX_LENGTH);
      expect(marker).toMatch(TASK_MARKER_PATTERN);
    }
  });

  it('replaces characters ECS refuses, and tells deployments of one name apart by what makes them unique', () => {
    expect(taskMarkerFor('stage/Sessions.eu')).toMatch(/^se-stage-Sessions-eu-[0-9a-f]{8}$/);
    expect(taskMarkerFor('local', '/home/a/.local')).not.toBe(taskMarkerFor('local', '/home/b/.local'));
    expect(taskMarkerFor('')).toMatch(/^se-[0-9a-f]{8}$/);
  });
});
