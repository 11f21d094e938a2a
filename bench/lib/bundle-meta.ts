// Reading an esbuild metafile of a split bundle (lib/constructs/session-function.ts,
// splitBundleCommand): which output files a cold start loads (index.mjs and the chunks it imports
// statically, transitively) and which only an `import()` on first use does.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export interface MetaOutput {
  bytes: number;
  entryPoint?: string;
  imports: { path: string; kind: string; external?: boolean }[];
  inputs: Record<string, { bytesInOutput: number }>;
}

export interface SplitBundle {
  /** Output file names (no directory) and what esbuild says of each. */
  outputs: Map<string, MetaOutput>;
  /** The files a cold start loads: index.mjs and the chunks it imports statically. */
  atLoad: string[];
  /** The chunks loaded only by an `import()`. */
  onFirstUse: string[];
}

/**
 * The output `name` and the chunks it imports statically, transitively: what loading it loads.
 * Those in `loaded` (already loaded) are not followed.
 */
export const loadedWith = (outputs: ReadonlyMap<string, MetaOutput>, name: string, loaded: ReadonlySet<string> = new Set()): string[] => {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file) || loaded.has(file)) return;
    seen.add(file);
    for (const imported of outputs.get(file)?.imports ?? []) {
      if (imported.external !== true && imported.kind === 'import-statement') visit(basename(imported.path));
    }
  };
  visit(name);
  return [...seen];
};

export const readSplitBundle = (metafile: string): SplitBundle => {
  const meta = JSON.parse(readFileSync(metafile, 'utf8')) as { outputs: Record<string, MetaOutput> };
  const outputs = new Map(Object.entries(meta.outputs).filter(([path]) => path.endsWith('.mjs')).map(([path, output]) => [basename(path), output]));
  const atLoad = loadedWith(outputs, 'index.mjs');
  return { outputs, atLoad, onFirstUse: [...outputs.keys()].filter((name) => !atLoad.includes(name)) };
};

/** The repository-relative paths of the modules with code in the given outputs. */
export const modulesIn = (bundle: SplitBundle, files: readonly string[]): string[] => [
  ...new Set(files.flatMap((file) => Object.entries(bundle.outputs.get(file)?.inputs ?? {}).filter(([, input]) => input.bytesInOutput > 0).map(([path]) => path))),
];
