// How full the task's storage is (README "The session agent"): statfs of a path, used blocks of
// those a non-root user could use, as `df` counts them. On Fargate every container of a task shares
// one ephemeral storage, so `/` in the agent's container tells the task's.
import { statfsSync } from 'node:fs';
import { percentOf } from './task-reading';

/** Percent used of the file system holding `path`; undefined when it cannot be read. */
export const diskPercentOf = (path: string): number | undefined => {
  try {
    const { blocks, bfree, bavail } = statfsSync(path);
    const used = blocks - bfree;
    return percentOf(used, used + bavail);
  } catch {
    return undefined;
  }
};
