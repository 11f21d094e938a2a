// The agent's settings, all from its environment (README "The session agent"): the session and the
// API, the credential (the local stack's token, else the task role on AWS), where to measure, the
// status file and the hook. A missing or malformed value is one clear line, never a stack trace.

export type Credential = { kind: 'token'; token: string } | { kind: 'task-role'; region: string };

/** Locally, `memoryMiB` is the task's memory (the profile's), which `usage.memoryPercent` is of. */
export type Measurement = { kind: 'ecs'; metadataUri: string } | { kind: 'proc'; procRoot: string; cpus: number; memoryMiB?: number };

export interface AgentSettings {
  sessionId: string;
  apiUrl: string;
  credential: Credential;
  measurement: Measurement;
  /** Whose storage `usage.diskPercent` reports; undefined: none. */
  diskPath?: string;
  statusFile?: string;
  hookCommand?: string[];
  hookTimeoutSeconds: number;
  /** Until a connect answer says the session's own. */
  stopTimeoutSeconds: number;
  pingSeconds: number;
}

export class AgentSettingsError extends Error {}

const positive = (env: NodeJS.ProcessEnv, name: string, fallback: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new AgentSettingsError(`${name} must be a positive number (got ${JSON.stringify(raw)})`);
  return value;
};

const hookOf = (raw: string | undefined): string[] | undefined => {
  if (raw === undefined || raw === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((a) => typeof a === 'string' && a !== '')) {
    throw new AgentSettingsError('SESSION_AGENT_HOOK must be a JSON array of non-empty strings, e.g. ["sh","-c","save-work"]');
  }
  return parsed as string[];
};

export const settingsFrom = (env: NodeJS.ProcessEnv): AgentSettings => {
  const missing = ['SESSION_ID', 'SESSION_API_URL'].filter((name) => (env[name] ?? '') === '');
  if (missing.length > 0) throw new AgentSettingsError(`${missing.join(' and ')} must be set (the stack sets them for every session task)`);
  const token = env.SESSION_ACTIVITY_TOKEN ?? '';
  const onEcs = (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ?? env.AWS_CONTAINER_CREDENTIALS_FULL_URI ?? '') !== '';
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? '';
  let credential: Credential;
  if (token !== '') credential = { kind: 'token', token };
  else if (onEcs && region !== '') credential = { kind: 'task-role', region };
  else throw new AgentSettingsError('no credential: set SESSION_ACTIVITY_TOKEN (local stack), or run in an ECS task with a task role and AWS_REGION');
  const metadataUri = env.ECS_CONTAINER_METADATA_URI_V4 ?? '';
  const measurement: Measurement =
    metadataUri !== ''
      ? { kind: 'ecs', metadataUri }
      : {
          kind: 'proc',
          procRoot: env.SESSION_AGENT_PROC_ROOT || '/proc',
          cpus: positive(env, 'SESSION_AGENT_CPUS', 1),
          ...(env.SESSION_AGENT_MEMORY_MIB && { memoryMiB: positive(env, 'SESSION_AGENT_MEMORY_MIB', 1) }),
        };
  const diskPath = env.SESSION_AGENT_DISK_PATH || (measurement.kind === 'ecs' ? '/' : undefined);
  const hookCommand = hookOf(env.SESSION_AGENT_HOOK);
  return {
    sessionId: env.SESSION_ID as string,
    apiUrl: env.SESSION_API_URL as string,
    credential,
    measurement,
    ...(diskPath !== undefined && { diskPath }),
    ...(env.SESSION_STATUS_FILE && { statusFile: env.SESSION_STATUS_FILE }),
    ...(hookCommand !== undefined && { hookCommand }),
    hookTimeoutSeconds: positive(env, 'SESSION_AGENT_HOOK_TIMEOUT_SECONDS', 10),
    stopTimeoutSeconds: positive(env, 'SESSION_AGENT_STOP_TIMEOUT_SECONDS', 30),
    pingSeconds: positive(env, 'SESSION_AGENT_PING_SECONDS', 30),
  };
};
