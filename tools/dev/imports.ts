// The relative-import graph of generators/**, for the pre-commit hook's plan. A scan with regular
// expressions, not the TypeScript compiler: loading TypeScript (through ts-morph) took 1.4 s of the hook,
// while this reads and scans the whole folder in a few milliseconds, so there is nothing worth caching.
// test/tools/imports.test.ts holds it to TypeScript's own pre-processor on every generator file.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/**
 * Every module specifier `source` names in an import or export declaration (`import type` and `export …
 * from` included), a side-effect import, an `import("…")` with a plain string, or a `require("…")`. It may
 * list more than the compiler would (a specifier quoted inside a comment or a string that reads like an
 * import), never less: an extra edge only regenerates more.
 */
export function specifiers(source: string): string[] {
  const found = new Set<string>();
  const patterns = [
    // import x from "m", import { a, type b } from "m", export * as ns from "m", export { a } from "m"; across lines.
    /\b(?:import|export)\b[^;"'`]*?\bfrom\s*(["'])([^"'\n]+)\1/g,
    // import "m"
    /\bimport\s*(["'])([^"'\n]+)\1/g,
    // import("m"), require("m")
    /\b(?:import|require)\s*\(\s*(["'`])([^"'`$\n]+)\1\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.add(match[2]!);
  return [...found];
}

/** Every file under `dir` (repository-relative, with `/`), recursively. */
export function filesUnder(root: string, dir: string): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    return entry.isDirectory() ? filesUnder(root, path) : [path];
  });
}

/**
 * Relative-import graph of `dir`/**.ts: file → the repository files it imports (repo-relative, `/`). A
 * `.js` specifier names its `.ts` source; one without an extension, `<name>.ts` or `<name>/index.ts`.
 */
export function importGraph(root: string, dir = "generators"): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const from of filesUnder(root, dir).filter((f) => f.endsWith(".ts"))) {
    const abs = join(root, from);
    const targets = specifiers(readFileSync(abs, "utf8"))
      .filter((s) => s.startsWith("."))
      .map((s) =>
        relative(root, resolve(dirname(abs), s.replace(/\.js$/, ".ts")))
          .split(sep)
          .join("/"),
      )
      .map((p) => (p.endsWith(".ts") ? p : existsSync(join(root, `${p}.ts`)) ? `${p}.ts` : `${p}/index.ts`));
    graph.set(from, [...new Set(targets)]);
  }
  return graph;
}

/** Every file reachable from `entry`, never entering a file `stop` accepts. */
export function reachable(
  graph: ReadonlyMap<string, readonly string[]>,
  entry: string,
  stop: (file: string) => boolean = () => false,
): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const next of graph.get(file) ?? []) if (!seen.has(next) && !stop(next)) queue.push(next);
  }
  return seen;
}

/**
 * `files` and the files in the graph that import one of them directly: the modules a changed signature
 * breaks first. (Not their importers in turn: that reaches every layer and doubles the declarations to read.)
 */
export function withImporters(graph: ReadonlyMap<string, readonly string[]>, files: readonly string[]): Set<string> {
  const wanted = new Set(files);
  for (const [from, targets] of graph) if (targets.some((to) => wanted.has(to))) wanted.add(from);
  return wanted;
}
