// Vitest's global setup: the whole run's temporary files in one folder of its own, removed when the
// run ends, failed or not. The CDK synthesizes an App without an outdir into a new
// `os.tmpdir()/cdk.outXXXXXX` that nothing removes (a full run left a dozen); with TMPDIR pointing
// here, those and any other test's leftovers go with the run, and no other run's files are touched.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const folder = mkdtempSync(join(tmpdir(), 'se-test-'));
  const previous = process.env['TMPDIR'];
  // Read by os.tmpdir() on every call, in this process and in the workers it forks after this.
  process.env['TMPDIR'] = folder;
  return () => {
    if (previous === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = previous;
    rmSync(folder, { recursive: true, force: true });
  };
}
