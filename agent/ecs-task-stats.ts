// The task's CPU and memory on Fargate, from the ECS task metadata endpoint v4 (README "The
// session agent"): `${ECS_CONTAINER_METADATA_URI_V4}/task/stats` gives the Docker stats of every
// container of the task, `/task` the task's own limits (CPU in vCPUs, memory in MiB). CPU is the
// sum of the containers' `cpu_usage.total_usage` (nanoseconds) at the stats' `read` time; memory
// is their usage less the page cache, of the task's memory.
import { type CpuSample, type Usage, percentOf } from './task-reading';

/** The parts of one container's Docker stats the agent reads (any may be missing or null). */
interface ContainerStats {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number }; online_cpus?: number };
  memory_stats?: { usage?: number; stats?: { inactive_file?: number; cache?: number } };
}

interface TaskMetadata {
  Limits?: { CPU?: number; Memory?: number };
}

const MIB = 1024 * 1024;
const TIMEOUT_MS = 2000;

const getJson = async <T>(url: string): Promise<T> => {
  const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!response.ok) throw new Error(`metadata endpoint answered ${response.status}`);
  return (await response.json()) as T;
};

const finite = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

export class EcsTaskStats {
  private limits?: { cpus?: number; memoryMiB?: number };

  constructor(
    private readonly metadataUri: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** CPU and memory of the task; what the endpoint does not give is left out. Never throws. */
  async read(): Promise<{ cpu?: CpuSample; usage: Usage }> {
    try {
      const limits = await this.taskLimits();
      const stats = Object.values(await getJson<Record<string, ContainerStats | null>>(`${this.metadataUri}/task/stats`)).filter(
        (s): s is ContainerStats => s !== null && typeof s === 'object',
      );
      // A container without numbers (not started yet, or exited, like the status volume's init) adds
      // nothing; one that goes away makes that window's difference negative, which counts as none.
      const cpuNs = stats.flatMap((s) => finite(s.cpu_stats?.cpu_usage?.total_usage) ?? []);
      const readAt = stats.map((s) => (s.read === undefined ? Number.NaN : Date.parse(s.read))).find((t) => Number.isFinite(t) && t > 0);
      const cpus = limits.cpus ?? stats.map((s) => finite(s.cpu_stats?.online_cpus)).find((n) => n !== undefined);
      const cpu =
        cpuNs.length > 0 && cpus !== undefined ? { cpuSeconds: cpuNs.reduce((sum, n) => sum + n, 0) / 1e9, atMs: readAt ?? this.now(), cpus } : undefined;
      const memoryBytes = stats.flatMap((s) => {
        const usage = finite(s.memory_stats?.usage);
        const cache = finite(s.memory_stats?.stats?.inactive_file) ?? finite(s.memory_stats?.stats?.cache) ?? 0;
        return usage === undefined ? [] : [Math.max(0, usage - cache)];
      });
      const memoryPercent =
        limits.memoryMiB !== undefined && memoryBytes.length > 0 ? percentOf(memoryBytes.reduce((sum, b) => sum + b, 0), limits.memoryMiB * MIB) : undefined;
      return { ...(cpu !== undefined && { cpu }), usage: { ...(memoryPercent !== undefined && { memoryPercent }) } };
    } catch {
      return { usage: {} };
    }
  }

  /** The task-level limits, read once: they do not change while the task runs. */
  private async taskLimits(): Promise<{ cpus?: number; memoryMiB?: number }> {
    if (this.limits === undefined) {
      const { Limits } = await getJson<TaskMetadata>(`${this.metadataUri}/task`);
      const cpus = finite(Limits?.CPU);
      const memoryMiB = finite(Limits?.Memory);
      this.limits = { ...(cpus !== undefined && cpus > 0 && { cpus }), ...(memoryMiB !== undefined && memoryMiB > 0 && { memoryMiB }) };
    }
    return this.limits;
  }
}
