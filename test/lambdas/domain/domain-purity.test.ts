// The domain is pure TypeScript (DESIGN.md section 2): no AWS SDK and no CDK, so it runs and is
// tested anywhere, and the local stack shares it unchanged.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DOMAIN_DIR = join(import.meta.dirname, '../../../lambdas/domain');

/** Module specifiers of static imports, re-exports, dynamic imports and requires. */
const specifiersOf = (source: string): string[] =>
  [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '');

const domainFiles = readdirSync(DOMAIN_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));

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
    ].join('\n');

    expect(specifiersOf(sample)).toEqual(['@aws-sdk/client-ecs', 'aws-cdk-lib', '@aws-sdk/lib-dynamodb', './side-effect']);
  });

  it.each(domainFiles)('%s imports neither the AWS SDK nor the CDK, only its own modules and Node built-ins', (file) => {
    const specifiers = specifiersOf(readFileSync(join(DOMAIN_DIR, file), 'utf8'));

    expect(specifiers.filter((s) => /^(@aws-sdk\/|aws-cdk-lib|constructs$|@aws-lambda-powertools\/)/.test(s))).toEqual([]);
    expect(specifiers.filter((s) => !s.startsWith('.') && !s.startsWith('node:'))).toEqual([]);
  });
});
