// The layering of README "Layout", checked on every import of the source tree: lambdas/ holds only
// deployed runtime code, lib/ takes nothing from the runtime but contract/, contract/ stands alone,
// sessionctl loads no runtime code, and inside lambdas/ no import runs from a lower layer up. The
// imports are read with the TypeScript parser, so `import type`, `export … from`, `import()` and
// `require()` all count.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const SOURCE_DIRS = ['agent', 'bin', 'bench', 'cli', 'contract', 'lambdas', 'lib', 'local'] as const;

/** The layers inside lambdas/, lowest first; a layer builds only on those before it (and contract/). */
const LAMBDA_LAYERS = ['domain', 'ports', 'use-cases', 'adapters', 'handlers'] as const;
/**
 * The composition: the modules directly in lambdas/ that put the layers together, and the one root
 * per Lambda function in lambdas/roots/ (README "Performance").
 */
const COMPOSITION_FILES = ['wiring.ts', 'build-handler-deps.ts', 'profile-config.ts', 'roots'];
const RUNTIME_PLACES = [...LAMBDA_LAYERS, 'composition'];

/**
 * Where the relative imports of each place may lead. Use cases and adapters both build on the ports
 * and never on each other: the use cases see AWS only through ports, and an adapter implements a port
 * without knowing who calls it. bin/ (entry points) and bench/ (which measures every layer) are free.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  contract: ['contract'],
  domain: ['contract', 'domain'],
  ports: ['contract', 'domain', 'ports'],
  'use-cases': ['contract', 'domain', 'ports', 'use-cases'],
  adapters: ['contract', 'domain', 'ports', 'adapters'],
  handlers: ['contract', 'domain', 'ports', 'use-cases', 'adapters', 'handlers'],
  composition: ['contract', ...RUNTIME_PLACES],
  lib: ['contract', 'lib'],
  local: ['contract', ...RUNTIME_PLACES, 'local'],
  cli: ['contract', 'local', 'cli'],
  // The session agent runs inside a session's task: it shares only the wire types with the rest.
  agent: ['contract', 'agent'],
};

/**
 * The one module of agent/ others may import: its bundler, which the local stack (to run every task
 * under the agent) and the CDK app (to put it in the task definitions it makes) call at start or synth.
 */
const AGENT_BUNDLER = 'agent/bundle.ts';
const isBundlerImport = ({ from, target }: Edge): boolean => target === AGENT_BUNDLER && (from.place === 'local' || from.place === 'lib');

interface Import {
  specifier: string;
  /** Erased by the compiler: loads no code. */
  typeOnly: boolean;
  line: number;
}

interface Module {
  /** Relative to the repository root, with `/`. */
  path: string;
  place: string;
  imports: Import[];
  /** Has `export const handler`: a Lambda entry. */
  exportsHandler: boolean;
}

const scriptKindOf = (fileName: string): ts.ScriptKind => (/\.m?js$/.test(fileName) ? ts.ScriptKind.JS : ts.ScriptKind.TS);

const isTypeOnlyImport = (node: ts.ImportDeclaration): boolean => {
  const clause = node.importClause;
  if (clause === undefined) return false;
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
};

const isTypeOnlyExport = (node: ts.ExportDeclaration): boolean => {
  const clause = node.exportClause;
  return node.isTypeOnly || (clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly));
};

const isRequireOrImportCall = (node: ts.CallExpression): boolean =>
  node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require');

/**
 * Every module a source names: imports and re-exports (type-only or not), `import()`, `require()`
 * and `import('…')` types.
 */
const parse = (fileName: string, text: string): { imports: Import[]; exportsHandler: boolean } => {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, scriptKindOf(fileName));
  const imports: Import[] = [];
  const add = (node: ts.Node, literal: ts.Node | undefined, typeOnly: boolean): void => {
    if (literal === undefined || !ts.isStringLiteralLike(literal)) return;
    imports.push({ specifier: literal.text, typeOnly, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node, node.moduleSpecifier, isTypeOnlyImport(node));
    else if (ts.isExportDeclaration(node)) add(node, node.moduleSpecifier, isTypeOnlyExport(node));
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node, node.moduleReference.expression, node.isTypeOnly);
    else if (ts.isCallExpression(node) && isRequireOrImportCall(node)) add(node, node.arguments[0], false);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node, node.argument.literal, true);
    ts.forEachChild(node, visit);
  };
  visit(source);
  const exportsHandler = source.statements.some(
    (s) =>
      ts.isVariableStatement(s) &&
      (ts.getModifiers(s) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword) &&
      s.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === 'handler'),
  );
  return { imports, exportsHandler };
};

const toRepoPath = (absolute: string): string => relative(ROOT, absolute).split(sep).join('/');

/** Which place a repository path belongs to: its top folder, or its layer inside lambdas/. */
const placeOf = (path: string): string => {
  const [top = '', second = ''] = path.split('/');
  if (top !== 'lambdas') return top;
  if ((LAMBDA_LAYERS as readonly string[]).includes(second)) return second;
  return COMPOSITION_FILES.includes(second) ? 'composition' : `lambdas/${second}`;
};

const isFile = (path: string): boolean => existsSync(path) && statSync(path).isFile();

/** The file a relative specifier names, as the bundler resolves it; undefined if there is none. */
const resolveRelative = (fromPath: string, specifier: string): string | undefined => {
  const base = resolve(ROOT, dirname(fromPath), specifier);
  const candidates = [base, `${base}.ts`, `${base}.mjs`, `${base}.js`, base.replace(/\.js$/, '.ts'), join(base, 'index.ts')];
  const found = candidates.find(isFile);
  return found === undefined ? undefined : toRepoPath(found);
};

const SOURCE_FILE = /\.(ts|mts|js|mjs)$/;

const MODULES: Module[] = SOURCE_DIRS.flatMap((dir) =>
  readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => SOURCE_FILE.test(f))
    .map((f) => {
      const path = `${dir}/${f.split(sep).join('/')}`;
      return { path, place: placeOf(path), ...parse(path, readFileSync(join(ROOT, path), 'utf8')) };
    }),
);
const BY_PATH = new Map(MODULES.map((m) => [m.path, m]));

interface Edge {
  from: Module;
  imported: Import;
  /** Repository path of the imported module; undefined for a package. */
  target?: string;
}

const relativeEdges = (module: Module): Edge[] =>
  module.imports.filter((i) => i.specifier.startsWith('.')).map((imported) => ({ from: module, imported, target: resolveRelative(module.path, imported.specifier) }));

const describeEdge = ({ from, imported, target }: Edge): string =>
  `${from.path}:${imported.line} (${from.place}) imports '${imported.specifier}' (${target === undefined ? 'not found' : placeOf(target)})`;

/** A Lambda entry (a handler module the CDK bundles) may import the wiring and its own root, which builds its deps. */
const isEntryImportOfWiring = ({ from, target }: Edge): boolean =>
  from.place === 'handlers' &&
  /^lambdas\/handlers\/[^/]+$/.test(from.path) &&
  from.exportsHandler &&
  (target === 'lambdas/wiring.ts' || target === from.path.replace(/^lambdas\/handlers\/(.+)\.ts$/, 'lambdas/roots/$1-root.ts'));

/** The imports of `place` that lead somewhere it may not import from. */
const violationsOf = (place: string): string[] => {
  const allowed = MAY_IMPORT[place] ?? [];
  return MODULES.filter((m) => m.place === place)
    .flatMap(relativeEdges)
    .filter((edge) => edge.target === undefined || (!allowed.includes(placeOf(edge.target)) && !isEntryImportOfWiring(edge) && !isBundlerImport(edge)))
    .map(describeEdge);
};

/** Every module `path` loads through relative imports, itself included. */
const reachedFrom = (path: string, seen = new Set<string>()): Set<string> => {
  const module = BY_PATH.get(path);
  if (seen.has(path) || module === undefined) return seen;
  seen.add(path);
  for (const edge of relativeEdges(module)) if (edge.target !== undefined) reachedFrom(edge.target, seen);
  return seen;
};

describe('the architecture', () => {
  it('reads every import form: imports, type imports, re-exports, import(), require() and import types', () => {
    const sample = [
      "import { a } from './a';",
      "import { type B } from './b';",
      "import type { C } from './c';",
      "import D, { type E } from './d';",
      "export { f } from './f';",
      "export type { G } from './g';",
      "export * from './h';",
      "import './side-effect';",
      "const i = await import('./i');",
      "const j = require('./j');",
      "type K = import('./k').K;",
      "import l = require('./l');",
    ].join('\n');

    const { imports } = parse('sample.ts', sample);

    expect(imports.map((i) => [i.specifier, i.typeOnly])).toEqual([
      ['./a', false],
      ['./b', true],
      ['./c', true],
      ['./d', false],
      ['./f', false],
      ['./g', true],
      ['./h', false],
      ['./side-effect', false],
      ['./i', false],
      ['./j', false],
      ['./k', true],
      ['./l', false],
    ]);
  });

  it('finds the modules of every place it checks', () => {
    const places = new Set(MODULES.map((m) => m.place));

    for (const place of Object.keys(MAY_IMPORT)) expect(places, place).toContain(place);
    expect(MODULES.filter((m) => m.exportsHandler && m.place === 'handlers').map((m) => m.path).sort()).toEqual([
      'lambdas/handlers/api.ts',
      'lambdas/handlers/expire.ts',
      'lambdas/handlers/starter.ts',
      'lambdas/handlers/sweep.ts',
      'lambdas/handlers/task-event.ts',
    ]);
  });

  it('places every module under lambdas/ in a layer or the composition root', () => {
    expect(MODULES.filter((m) => m.path.startsWith('lambdas/') && m.place.startsWith('lambdas/')).map((m) => m.path)).toEqual([]);
  });

  it.each(Object.keys(MAY_IMPORT))('%s imports only from itself and the places below it', (place) => {
    expect(violationsOf(place), `may import from: ${(MAY_IMPORT[place] ?? []).join(', ')}`).toEqual([]);
  });

  it('lambdas/ holds no local-stack, CLI, CDK, benchmark or test code, not even through contract/', () => {
    const reached = MODULES.filter((m) => m.path.startsWith('lambdas/')).flatMap((m) => [...reachedFrom(m.path)]);

    expect([...new Set(reached)].filter((p) => !p.startsWith('lambdas/') && !p.startsWith('contract/'))).toEqual([]);
  });

  it('the session agent takes only types from contract/, so its bundle carries none of the code it shares with the stack', () => {
    const fromContract = MODULES.filter((m) => m.place === 'agent')
      .flatMap(relativeEdges)
      .filter((edge) => edge.target !== undefined && placeOf(edge.target) === 'contract' && !edge.imported.typeOnly);

    expect(fromContract.map(describeEdge)).toEqual([]);
  });

  it('sessionctl loads no runtime code and no CDK code: nothing cli/ reaches is under lambdas/ or lib/', () => {
    const reached = MODULES.filter((m) => m.place === 'cli').flatMap((m) => [...reachedFrom(m.path)]);

    expect([...new Set(reached)].filter((p) => p.startsWith('lambdas/') || p.startsWith('lib/'))).toEqual([]);
  });

  // croner (a profile's scheduled stop, contract/scheduled-stop.ts) has no dependencies and does no
  // I/O when it only computes, so contract/ stays as light and as pure with it.
  it('contract/ uses no package but valibot, croner and Node built-ins, and the AWS SDK only for its types', () => {
    const packages = MODULES.filter((m) => m.place === 'contract').flatMap((m) =>
      m.imports.filter((i) => !i.specifier.startsWith('.')).map((i) => ({ module: m, imported: i })),
    );

    // Node built-ins are fine: the CDK app, the functions and the local stack all run on Node.
    const misused = packages.filter(
      ({ imported: i }) =>
        i.specifier !== 'valibot' && i.specifier !== 'croner' && !i.specifier.startsWith('node:') && !(i.typeOnly && i.specifier.startsWith('@aws-sdk/')),
    );
    expect(misused.map(({ module, imported }) => `${module.path}:${imported.line} imports '${imported.specifier}'${imported.typeOnly ? ' (types)' : ''}`)).toEqual([]);
  });
});
