// The run's temporary files are in a folder of its own that goes with the run (vitest.config.ts's
// global setup, test-run-tmpdir.ts): what a test or the CDK leaves in os.tmpdir() is removed too.
import { basename } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';

describe('the test run', () => {
  it("keeps every temporary file in the run's own folder", () => {
    expect(basename(tmpdir())).toMatch(/^se-test-/);
  });
});
