// The session's status for whatever runs in the task (README "The session agent"): an IDE banner
// or a shell prompt reads SESSION_STATUS_FILE. Written whole to a temporary file and renamed over
// the old one, so a reader never sees half a file.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type SessionView } from '../contract/wire';

/** What the file holds: the status and the deadline, the warning once it is near, and the resource warnings. */
export interface SessionStatus {
  sessionId: string;
  status: SessionView['status'];
  expiresAt: string;
  expiryReason: SessionView['expiryReason'];
  warning?: SessionView['warning'];
  resourceWarnings?: SessionView['resourceWarnings'];
  /** When the agent wrote it. */
  updatedAt: string;
}

export const statusOf = (session: SessionView, nowMs: number): SessionStatus => {
  const { resourceWarnings } = session;
  return {
    sessionId: session.id,
    status: session.status,
    expiresAt: session.expiresAt,
    expiryReason: session.expiryReason,
    ...(session.warning !== undefined && { warning: session.warning }),
    ...(resourceWarnings !== undefined && { resourceWarnings }),
    updatedAt: new Date(nowMs).toISOString(),
  };
};

/** Replaces the file at `path` with `status` as JSON, atomically. */
export const writeStatusFile = (path: string, status: SessionStatus): void => {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(status, null, 2)}\n`, { mode: 0o644 });
  renameSync(temp, path);
};
