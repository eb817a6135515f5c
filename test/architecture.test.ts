import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(__dirname, '..');
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts|cts|js)$/.test(name) ? [path] : [];
  });
}

/** Drops comments so that an import shown in a doc comment is not taken for a real one. */
function withoutComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** Every module specifier a file names: static and type imports, re-exports, side-effect imports, require() and import(). */
function specifiersOf(code: string): string[] {
  const text = withoutComments(code);
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'"`;]*?\bfrom\s*['"`]([^'"`]+)['"`]/g,
    /\bimport\s*['"`]([^'"`]+)['"`]/g,
    /\brequire\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
    /\bimport\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
  ];
  return patterns.flatMap((re) => [...text.matchAll(re)].map((m) => m[1]));
}

/** A decorator (`@Injectable()`, `@inject(TOKEN) x`) or reflect-metadata, outside comments and strings. */
function usesDecoratorsOrMetadata(code: string): boolean {
  const text = withoutComments(code).replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''");
  return /reflect-metadata|Reflect\.(getMetadata|defineMetadata|metadata)\b/.test(withoutComments(code)) || /(^|[\s(,])@[A-Za-z_$][\w$.]*/m.test(text);
}

interface Violation {
  file: string;
  specifier: string;
}

/** Imports of `layer` that leave the places it may depend on. */
function violations(layer: string, allowed: string[]): Violation[] {
  const layerDir = join(SRC, layer);
  return sourceFiles(layerDir).flatMap((file) =>
    specifiersOf(readFileSync(file, 'utf8'))
      .filter((specifier) => {
        if (!specifier.startsWith('.')) return true; // a package or a node: module
        const target = resolve(dirname(file), specifier);
        return !allowed.some((dir) => target === join(SRC, dir) || target.startsWith(join(SRC, dir) + sep));
      })
      .map((specifier) => ({ file: relative(ROOT, file), specifier })),
  );
}

describe('architecture', () => {
  it('finds the sources it checks (the check is not vacuous)', () => {
    expect(sourceFiles(join(SRC, 'domain')).length).toBeGreaterThan(3);
    expect(sourceFiles(join(SRC, 'application')).length).toBeGreaterThan(5);
    const all = sourceFiles(join(SRC, 'application')).flatMap((f) => specifiersOf(readFileSync(f, 'utf8')));
    expect(all.some((s) => s.startsWith('../domain') || s.startsWith('../../domain'))).toBe(true);
  });

  it('reads every form of import', () => {
    const code = [
      "import { a } from './a';",
      "import type { B } from '../b';",
      "import * as c from 'c-package';",
      "import 'side-effect';",
      "export { d } from './d';",
      "export * from 'node:fs';",
      "const e = require('e');",
      "const f = await import('./f');",
      'import {',
      '  g,',
      "} from './g';",
      "// import { h } from 'commented-out';",
      "/* const i = require('i'); */",
    ].join('\n');
    expect(specifiersOf(code).sort()).toEqual(['../b', './a', './d', './f', './g', 'c-package', 'e', 'node:fs', 'side-effect'].sort());
  });

  it('recognises decorators and reflect-metadata, not an @ in a string or a comment', () => {
    expect(usesDecoratorsOrMetadata("@injectable()\nexport class A {}")).toBe(true);
    expect(usesDecoratorsOrMetadata('class A { constructor(@inject(TOKEN) private readonly b: B) {} }')).toBe(true);
    expect(usesDecoratorsOrMetadata("import 'reflect-metadata';")).toBe(true);
    expect(usesDecoratorsOrMetadata("const m = Reflect.getMetadata('k', target);")).toBe(true);
    expect(usesDecoratorsOrMetadata("const email = 'ada @example.com'; /** @param x */ // @deprecated")).toBe(false);
  });

  it('the domain depends on nothing outside the domain: no other layer, no package, no node: module', () => {
    expect(violations('domain', ['domain'])).toEqual([]);
  });

  it('the application depends only on the domain and itself: no adapters, no main, no package, no node: module', () => {
    expect(violations('application', ['application', 'domain'])).toEqual([]);
  });

  it('the core uses no decorators and no reflect-metadata', () => {
    const offenders = ['domain', 'application'].flatMap((layer) =>
      sourceFiles(join(SRC, layer))
        .filter((file) => usesDecoratorsOrMetadata(readFileSync(file, 'utf8')))
        .map((file) => relative(ROOT, file)),
    );
    expect(offenders).toEqual([]);
  });
});
