// The domain is pure TypeScript (README "Layout"): no AWS SDK and no CDK, so it runs and is
// tested anywhere, and the local stack shares it unchanged. It may build on contract/ (the layer
// below it, README Layout), and whatever it reaches there must be just as pure.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
const DOMAIN_DIR = join(ROOT, 'lambdas/domain');
const CONTRACT_DIR = join(ROOT, 'contract');

/** Module specifiers of static imports, re-exports, dynamic imports and requires. */
const specifiersOf = (source: string): string[] =>
  [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '');

const domainFiles = readdirSync(DOMAIN_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));

const isInside = (dir: string, path: string): boolean => !relative(dir, path).startsWith('..');

/** The file a relative specifier of `fromFile` names (`.ts` added as the bundler resolves it). */
const resolveRelative = (fromFile: string, specifier: string): string => {
  const base = resolve(dirname(fromFile), specifier);
  return existsSync(`${base}.ts`) ? `${base}.ts` : base;
};

/** Every module a domain file reaches through relative imports, itself included. */
const reachedFrom = (file: string, seen = new Set<string>()): Set<string> => {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const specifier of specifiersOf(readFileSync(file, 'utf8'))) {
    if (specifier.startsWith('.')) reachedFrom(resolveRelative(file, specifier), seen);
  }
  return seen;
};

describe('domain purity', () => {
  it('finds the domain modules', () => {
    expect(domainFiles).toEqual(expect.arrayContaining(['session.ts', 'deadline-policy.ts', 'state-machine.ts']));
  });

  it('recognises the import forms it checks', () => {
    const sample = [
      "import { x } from '@aws-sdk/client-ecs';",
      "export * from 'aws-cdk-lib';",
      "const m = await import('@aws-sdk/lib-dynamodb');",
      "import './side-effect';",
      "import { END_REASONS } from '../../contract/vocabulary';",
    ].join('\n');

    expect(specifiersOf(sample)).toEqual(['@aws-sdk/client-ecs', 'aws-cdk-lib', '@aws-sdk/lib-dynamodb', './side-effect', '../../contract/vocabulary']);
  });

  it.each(domainFiles)('%s imports only domain and contract modules, never the AWS SDK or the CDK, not even through contract/', (file) => {
    const reached = [...reachedFrom(join(DOMAIN_DIR, file))];

    expect(reached.filter((f) => !isInside(DOMAIN_DIR, f) && !isInside(CONTRACT_DIR, f)).map((f) => relative(ROOT, f))).toEqual([]);
    for (const module of reached) {
      const specifiers = specifiersOf(readFileSync(module, 'utf8'));
      expect(specifiers.filter((s) => /^(@aws-sdk\/|aws-cdk-lib|constructs$|@aws-lambda-powertools\/)/.test(s)), relative(ROOT, module)).toEqual([]);
      expect(specifiers.filter((s) => !s.startsWith('.') && !s.startsWith('node:')), relative(ROOT, module)).toEqual([]);
    }
  });
});
