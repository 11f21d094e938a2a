// The Fargate reader against a fake task metadata endpoint v4 on 127.0.0.1 (shapes as in the ECS
// guide's Fargate examples: task-level Limits in vCPUs and MiB, Docker stats per container).
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { EcsTaskStats } from '../../agent/ecs-task-stats';
import { type Listening, listenOnFreePort } from '../support/listen';

let endpoint: Listening | undefined;

afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

const MIB = 1024 * 1024;
const containerStats = (totalUsageNs: number, memoryBytes: number, cacheBytes = 0) => ({
  read: '2026-03-10T12:00:10.000000000Z',
  cpu_stats: { cpu_usage: { total_usage: totalUsageNs }, online_cpus: 2 },
  memory_stats: { usage: memoryBytes, stats: { inactive_file: cacheBytes } },
});

const serve = async (routes: Record<string, unknown>): Promise<string> => {
  endpoint = await listenOnFreePort(
    createServer((req, res) => {
      const body = routes[req.url ?? ''];
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body ?? {}));
    }),
  );
  return `${endpoint.url}/v4/abc`;
};

describe('the ECS task stats reader', () => {
  it('sums the CPU time of every container at the stats read time, and the memory less page cache of the task limit', async () => {
    const uri = await serve({
      '/v4/abc/task': { Limits: { CPU: 0.25, Memory: 512 } },
      '/v4/abc/task/stats': { one: containerStats(1.5e9, 200 * MIB, 72 * MIB), two: containerStats(0.5e9, 0) },
    });

    const reading = await new EcsTaskStats(uri).read();

    expect(reading).toEqual({ cpu: { cpuSeconds: 2, atMs: Date.parse('2026-03-10T12:00:10.000Z'), cpus: 0.25 }, usage: { memoryPercent: 25 } });
  });

  it('counts nothing of a container without stats (null before it runs, empty once exited), and reads nothing when the endpoint fails', async () => {
    const uri = await serve({ '/v4/abc/task': { Limits: { CPU: 1, Memory: 1024 } }, '/v4/abc/task/stats': { one: containerStats(1e9, 0), two: null, three: {} } });

    expect((await new EcsTaskStats(uri).read()).cpu).toEqual(expect.objectContaining({ cpuSeconds: 1 }));
    expect(await new EcsTaskStats(`${uri}/nothing-here`).read()).toEqual({ usage: {} });
  });

  it('cannot measure a task none of whose containers has CPU stats yet', async () => {
    const uri = await serve({ '/v4/abc/task': { Limits: { CPU: 1, Memory: 1024 } }, '/v4/abc/task/stats': { one: null } });

    expect(await new EcsTaskStats(uri).read()).toEqual({ usage: {} });
  });
});
