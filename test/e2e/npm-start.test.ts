// End to end: `npm start` (bin/local.ts) as a user runs it, with the real cdk.json and demo session
// program: the printed curl lines work as printed, and SIGTERM stops the stack cleanly while the
// session processes keep running.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { killGroup, registeredTaskPids } from '../support/local-stack';
import { pidExists, waitFor } from '../support/wait-for';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

let dataDir: string | undefined;
let child: ChildProcess | undefined;

afterEach(() => {
  if (child?.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
  if (dataDir !== undefined) {
    for (const pid of registeredTaskPids(dataDir)) killGroup(pid);
    rmSync(dataDir, { recursive: true, force: true });
  }
  child = undefined;
  dataDir = undefined;
});

const startLocal = (env: Record<string, string>): { process: ChildProcess; output: () => string } => {
  let output = '';
  const started = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  started.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { process: started, output: () => output };
};

const exitOf = (started: ChildProcess): Promise<number | null> =>
  started.exitCode !== null ? Promise.resolve(started.exitCode) : new Promise((done) => started.once('exit', (code) => done(code)));

describe('npm start', () => {
  it('prints curl lines that work as printed, and leaves session processes running on SIGTERM', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'npm-start-'));
    const local = startLocal({ PORT: '0', DYNAMODB_PORT: '0', LOCAL_DATA_DIR: dataDir, SWEEP_INTERVAL_SECONDS: '1' });
    child = local.process;
    await waitFor(() => local.output().includes('Ctrl-C stops the stack'), { timeoutMs: 30_000, what: 'the start banner' });
    const banner = local.output();
    const token = /export TOKEN='([^']+)'/.exec(banner)?.[1];
    const curlLines = banner.split('\n').filter((l) => /^ {2}(curl|ID=)/.test(l)).map((l) => l.trim());
    expect(token).toBeDefined();
    expect(curlLines).toHaveLength(5);

    const { stdout } = await run('bash', ['-euc', curlLines.join('\n')], { env: { ...process.env, TOKEN: token! }, timeout: 15_000 });

    expect(stdout).toContain('{"status":"ok"}');
    const id = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(stdout)?.[0];
    expect(id).toBeDefined();
    expect(stdout).toContain(`"status":"stopping"`); // the DELETE answer
    const events = () => readFileSync(join(dataDir!, 'events.ndjson'), 'utf8');
    await waitFor(() => events().includes('"Session Ended"'), { timeoutMs: 5000, what: 'the demo session to end' });

    // A session left running when the stack stops.
    const apiUrl = /API\s+(http:\/\/\S+)/.exec(banner)![1];
    const created = await fetch(`${apiUrl}/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ profile: 'demo' }),
    });
    expect(created.status).toBe(201);
    const pid = await waitFor(() => registeredTaskPids(dataDir!)[0], { timeoutMs: 10_000, what: 'the task registry' });

    local.process.kill('SIGTERM');

    expect(await exitOf(local.process)).toBe(0);
    expect(pidExists(pid)).toBe(true);
  });

  it('refuses a bad setting with one line naming it, and no stack trace', async () => {
    const local = startLocal({ PORT: 'eighty' });
    child = local.process;

    const code = await exitOf(local.process);

    expect(code).toBe(1);
    expect(local.output()).toContain('PORT must be a whole number');
    expect(local.output()).not.toMatch(/^\s+at /m);
  });
});
