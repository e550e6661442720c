import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The dependency graph is the architecture (STYLE 1): no import cycle between files, and none
 * between folders, in any workspace under `packages/`. Every import counts, type-only ones too
 * (`import type`, `export … from`, `import()` types), read by TypeScript's own scanner.
 *
 * A folder is a first-level folder under a package's `src` (`region/lifecycle`); a file directly
 * in `src` is a node of its own (`region/region-server.ts`). The folder graph is drawn from
 * production modules only: those reachable from a package's `exports` and `bin`. Test code
 * (tests, and fixtures only tests reach) may import the whole region to test one folder.
 */

const PACKAGES = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A workspace: where its sources are, and which modules its `exports` and `bin` name. */
interface Workspace {
  readonly name: string;
  readonly root: string;
  /** Subpath (`.`, `./testing`) → absolute file. */
  readonly exports: ReadonlyMap<string, string>;
  readonly bins: readonly string[];
}

/** Every import of every file, resolved to a file of the scanned set; other imports are dropped. */
type ImportGraph = ReadonlyMap<string, readonly string[]>;

function readWorkspaces(): Workspace[] {
  return readdirSync(PACKAGES)
    .filter((dir) => existsSync(join(PACKAGES, dir, 'package.json')))
    .map((dir) => {
      const root = join(PACKAGES, dir);
      const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        name: string;
        /** A subpath's target: a path, or conditions (`@domicile/source` first: the sources). */
        exports?: Record<string, string | Record<string, string>>;
        bin?: Record<string, string>;
      };
      return {
        name: pkg.name,
        root,
        exports: new Map(
          Object.entries(pkg.exports ?? {}).map(([k, v]) => [
            k,
            join(root, typeof v === 'string' ? v : (v['@domicile/source'] ?? '')),
          ]),
        ),
        bins: Object.values(pkg.bin ?? {}).map((b) => join(root, b)),
      };
    });
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.[cm]?[jt]s$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Resolves one specifier of `from` to a scanned file, or undefined (a third-party module). */
function resolveImport(
  from: string,
  specifier: string,
  workspaces: readonly Workspace[],
  files: ReadonlySet<string>,
): string | undefined {
  if (specifier.startsWith('.')) {
    const base = resolve(dirname(from), specifier);
    const candidates = [base, base.replace(/\.js$/, '.ts'), join(base, 'index.ts'), `${base}.ts`];
    return candidates.find((c) => files.has(c));
  }
  for (const w of workspaces) {
    if (specifier !== w.name && !specifier.startsWith(`${w.name}/`)) continue;
    const target = w.exports.get(`.${specifier.slice(w.name.length)}`);
    if (target === undefined)
      throw new Error(`${from}: ${specifier} is not an export of ${w.name}`);
    return target;
  }
  return undefined;
}

/** The import graph of `files` (absolute path → text). */
function importGraph(
  texts: ReadonlyMap<string, string>,
  workspaces: readonly Workspace[],
): ImportGraph {
  const files = new Set(texts.keys());
  const graph = new Map<string, string[]>();
  for (const [file, text] of texts) {
    const imports = ts
      .preProcessFile(text, true, true)
      .importedFiles.map((i) => resolveImport(file, i.fileName, workspaces, files))
      .filter((t): t is string => t !== undefined && t !== file);
    graph.set(file, [...new Set(imports)]);
  }
  return graph;
}

/** Files reachable from `roots`. */
function reachable(graph: ImportGraph, roots: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(graph.get(next) ?? []));
  }
  return seen;
}

/** The graph of nodes `nodeOf` maps files to; each edge keeps one import that makes it. */
function collapse(
  graph: ImportGraph,
  nodeOf: (file: string) => string,
  include: (file: string) => boolean = () => true,
): Map<string, Map<string, string>> {
  const nodes = new Map<string, Map<string, string>>();
  for (const [file, targets] of graph) {
    if (!include(file)) continue;
    const from = nodeOf(file);
    const edges = nodes.get(from) ?? new Map<string, string>();
    nodes.set(from, edges);
    for (const target of targets) {
      const to = nodeOf(target);
      if (to !== from && !edges.has(to)) edges.set(to, `${file} → ${target}`);
    }
  }
  return nodes;
}

/** One cycle of each strongly connected component with more than one node (Tarjan), as a node path. */
function cyclesOf(graph: ReadonlyMap<string, ReadonlyMap<string, string>>): string[][] {
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    order.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, order.get(w) ?? 0));
    }
    if (low.get(v) !== order.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop(); w !== undefined; w = stack.pop()) {
      onStack.delete(w);
      component.push(w);
      if (w === v) break;
    }
    if (component.length > 1) components.push(component);
  };
  for (const v of graph.keys()) if (!order.has(v)) visit(v);
  return components.map((c) => cycleWithin(graph, new Set(c)));
}

// A shortest way back to the first node, inside one component: the cycle a reader can follow.
function cycleWithin(
  graph: ReadonlyMap<string, ReadonlyMap<string, string>>,
  component: ReadonlySet<string>,
): string[] {
  const [start] = [...component].sort();
  if (start === undefined) return [];
  const previous = new Map<string, string>();
  const queue = [start];
  for (let head = queue.shift(); head !== undefined; head = queue.shift()) {
    for (const next of graph.get(head)?.keys() ?? []) {
      if (!component.has(next)) continue;
      if (next === start) {
        const path = [head];
        for (let p = previous.get(head); p !== undefined; p = previous.get(p)) path.unshift(p);
        return [...path, start];
      }
      if (!previous.has(next) && next !== start) {
        previous.set(next, head);
        queue.push(next);
      }
    }
  }
  return [start];
}

/** A cycle as a reader wants it: each step with the import that makes it. */
function describeCycle(
  graph: ReadonlyMap<string, ReadonlyMap<string, string>>,
  cycle: readonly string[],
): string {
  const steps = cycle.slice(1).map((to, i) => {
    const from = cycle[i] ?? '';
    const via = graph.get(from)?.get(to) ?? '';
    const step = `  ${show(from)} → ${show(to)}`;
    // Between folders, name the import that makes the step; between files, the step is the import.
    return via === `${from} → ${to}`
      ? step
      : `${step}   (${via.split(' → ').map(show).join(' imports ')})`;
  });
  return steps.join('\n');
}

// Files relative to packages/, folder nodes as they are.
const show = (path: string): string => (isAbsolute(path) ? relative(PACKAGES, path) : path);

/** The node of a file: its first-level folder under `src`, or itself when it sits in `src`. */
function folderOf(file: string): string {
  const [pkg, src, first, ...rest] = relative(PACKAGES, file).split('/');
  return rest.length === 0 ? `${pkg}/${src}/${first}` : `${pkg}/${first}`;
}

function loadPackages(): { graph: ImportGraph; production: Set<string> } {
  const workspaces = readWorkspaces();
  const texts = new Map<string, string>();
  for (const w of workspaces)
    for (const file of [...sourceFiles(join(w.root, 'src')), ...sourceFiles(join(w.root, 'bin'))])
      texts.set(file, readFileSync(file, 'utf8'));
  const graph = importGraph(texts, workspaces);
  const entries = workspaces.flatMap((w) => [...w.exports.values(), ...w.bins]);
  return { graph, production: reachable(graph, entries) };
}

describe('the dependency graph of packages/', () => {
  const { graph, production } = loadPackages();

  it('reads every workspace', () => {
    const packages = new Set([...graph.keys()].map((f) => relative(PACKAGES, f).split('/')[0]));
    expect([...packages]).toEqual(
      expect.arrayContaining(['cli', 'device', 'network', 'protocol', 'region']),
    );
    expect(production.has(join(PACKAGES, 'region/src/region-server.ts'))).toBe(true);
    expect(production.has(join(PACKAGES, 'region/src/region-server.test.ts'))).toBe(false);
  });

  it('has no import cycle between files, type-only imports included', () => {
    const files = collapse(graph, (f) => f);
    const cycles = cyclesOf(files).map((c) => describeCycle(files, c));
    expect(cycles, `file cycles:\n${cycles.join('\n\n')}`).toEqual([]);
  });

  it('has no import cycle between folders, type-only imports included', () => {
    const folders = collapse(graph, folderOf, (f) => production.has(f));
    const cycles = cyclesOf(folders).map((c) => describeCycle(folders, c));
    expect(cycles, `folder cycles:\n${cycles.join('\n\n')}`).toEqual([]);
  });
});

describe('the cycle finder', () => {
  // A planted three-folder cycle through a type-only import and a re-export, and one file cycle.
  const at = (path: string): string => join(PACKAGES, 'planted', path);
  const planted = new Map([
    [at('src/index.ts'), "export { a } from './a/index.js';"],
    [at('src/a/index.ts'), "export { a } from './a.js';"],
    [at('src/a/a.ts'), "import { b } from '../b/index.js';\nexport const a = b;"],
    [at('src/b/index.ts'), "export type { C as b } from '../c/c.js';"],
    [at('src/c/c.ts'), "import type { a } from '../a/a.js';\nexport type C = typeof a;"],
    [at('src/d/x.ts'), "import { y } from './y.js';\nexport const x = 1;"],
    [at('src/d/y.ts'), "import { x } from './x.js';\nexport const y = x;"],
    [at('src/d/x.test.ts'), "import { x } from './x.js';"],
  ]);
  const graph = importGraph(planted, []);

  it('names a folder cycle with the imports that make it', () => {
    const folders = collapse(graph, folderOf);
    const cycles = cyclesOf(folders);
    expect(cycles).toEqual([['planted/a', 'planted/b', 'planted/c', 'planted/a']]);
    expect(describeCycle(folders, cycles[0] ?? [])).toContain(
      'planted/src/c/c.ts imports planted/src/a/a.ts',
    );
  });

  it('names a file cycle, and leaves tests out of the folder graph through reachability', () => {
    const files = collapse(graph, (f) => f);
    expect(cyclesOf(files).map((c) => c.map(show))).toEqual(
      expect.arrayContaining([['planted/src/d/x.ts', 'planted/src/d/y.ts', 'planted/src/d/x.ts']]),
    );
    const production = reachable(graph, [at('src/index.ts')]);
    expect(production.has(at('src/d/x.test.ts'))).toBe(false);
    expect(production.has(at('src/c/c.ts'))).toBe(true);
  });
});
