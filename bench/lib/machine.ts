// What the figures were measured on: they mean little without the machine, so every results.json
// carries it.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  memoryGiB: number;
  platform: string;
  arch: string;
  nodeVersion: string;
  date: string;
  /** 1, 5 and 15 minute load averages when the run began: other work on the machine skews timings. */
  loadAverage: number[];
  /** The commit measured (with "+dirty" when the tree has changes), if git is available. */
  commit?: string;
}

const gitCommit = (cwd: string): string | undefined => {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return dirty ? `${head}+dirty` : head;
  } catch {
    return undefined;
  }
};

export const machineInfo = (repoRoot: string): MachineInfo => {
  const cpus = os.cpus();
  const commit = gitCommit(repoRoot);
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    memoryBytes: os.totalmem(),
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    nodeVersion: process.version,
    date: new Date().toISOString(),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    ...(commit !== undefined && { commit }),
  };
};
