// The agent as one file (README "The session agent"): esbuild bundles bin/session-agent.ts with its
// three small AWS libraries into a minified CommonJS script for Node 20 or later that needs nothing
// else installed. Built on demand: by the local stack when it starts, and by the CDK app at synth for
// the task definitions it makes. No Docker anywhere.
import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('../bin/session-agent.ts', import.meta.url));

/** The bundle's source text. */
export const agentBundleSource = (): string => {
  const result = buildSync({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // The ES module builds of the @smithy packages: their CommonJS ones cannot be tree-shaken, and
    // @smithy/core alone would be 140 KB of the bundle instead of 6.
    mainFields: ['module', 'main'],
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error('esbuild wrote no session agent bundle');
  return output.text;
};
