// The pre-commit plan's import scan (tools/dev/imports.ts) against TypeScript's own pre-processor, and the
// plan it feeds: a change to a module several layers share plans every layer that imports it.
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { layerNames } from "../../generators/config.js";
import { repoRoot } from "../../generators/paths.js";
import { filesUnder, importGraph, reachable, specifiers, withImporters } from "../../tools/dev/imports.js";
import { plan } from "../../tools/dev/precommit.js";

/** What TypeScript's pre-processor lists for a file: static, re-export, type-only and dynamic imports. */
const compilerSpecifiers = (source: string) => ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);

describe("GIVEN the regular-expression import scan", () => {
  it("WHEN a file imports across lines, with types, comments, re-exports, side effects and import() THEN every specifier is listed", () => {
    const source = [
      'import {\n  a, // the first\n  type B,\n} from "./multi.js";',
      'import type { C } from "../types.js";',
      'export * from "./all.js";',
      'export { d as e } from "./named.js";',
      'import "./side-effect.js";',
      'const lazy = await import("./lazy.js");',
      'import def, * as ns from "pkg";',
    ].join("\n");
    const expected = ["./multi.js", "../types.js", "./all.js", "./named.js", "./side-effect.js", "./lazy.js", "pkg"];
    expect(specifiers(source).sort()).toEqual([...expected].sort());
    // The compiler agrees on this source, so the fixture is not one only the scan understands.
    expect(compilerSpecifiers(source).sort()).toEqual([...expected].sort());
  });

  it("WHEN an import() takes a computed specifier THEN it is not listed (the compiler cannot resolve it either)", () => {
    const source = "const layer = await import(`./layers/${name}.js`);";
    expect(specifiers(source)).toEqual([]);
    expect(compilerSpecifiers(source)).toEqual([]);
  });

  it("WHEN every file under generators/ is scanned THEN each lists at least the specifiers TypeScript's pre-processor finds", () => {
    const files = filesUnder(repoRoot, "generators").filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const source = readFileSync(join(repoRoot, file), "utf8");
      const scanned = new Set(specifiers(source));
      const missing = compilerSpecifiers(source).filter((s) => !scanned.has(s));
      expect(missing, file).toEqual([]);
    }
  });

  it("WHEN the graph of generators/ is built THEN its edges are exactly the compiler's relative imports, resolved to files", () => {
    const graph = importGraph(repoRoot);
    for (const [file, targets] of graph) {
      const abs = join(repoRoot, file);
      const expected = compilerSpecifiers(readFileSync(abs, "utf8"))
        .filter((s) => s.startsWith("."))
        .map((s) => relative(repoRoot, resolve(dirname(abs), s.replace(/\.js$/, ".ts"))));
      expect([...targets].sort(), file).toEqual([...new Set(expected)].sort());
    }
  });
});

describe("GIVEN this repository's import graph and pre-commit plan", () => {
  const graph = importGraph(repoRoot);
  const entry = (layer: string) => `generators/layers/${layer}.ts`;
  const isEntry = (file: string) => layerNames.some((layer) => entry(layer) === file);
  const engine = reachable(graph, "generators/main.ts", isEntry);
  /** Modules outside the cluster-level engine that at least two layers import, with the layers that do. */
  const shared = [...graph.keys()]
    .filter((file) => !engine.has(file))
    .map((file) => ({ file, layers: layerNames.filter((layer) => reachable(graph, entry(layer)).has(file)) }))
    .filter(({ layers }) => layers.length >= 2);

  it("WHEN a module several layers share changes THEN the plan regenerates every layer that imports it, and no other", () => {
    expect(shared.length, "expected at least one module shared by two layers").toBeGreaterThan(0);
    for (const { file, layers } of shared) {
      // Independent of the plan's own walk: a layer imports the file when the file's importers reach the layer's entry.
      const importingLayers = layerNames.filter((layer) => withImportersClosure(graph, file).has(entry(layer)));
      expect(importingLayers, file).toEqual(layers);
      expect(plan(repoRoot, [file]).scope, file).toEqual(importingLayers);
    }
  });

  it("WHEN a generator is staged THEN its type-check covers the files that import it directly", () => {
    const files = withImporters(graph, ["generators/components/prometheus-operator.ts"]);
    expect(files).toContain("generators/components/prometheus-operator.ts");
    expect(files).toContain("generators/layers/operator.ts");
  });
});

/** Every file that imports `file`, directly or through others, walked upwards one importer at a time. */
function withImportersClosure(graph: ReadonlyMap<string, readonly string[]>, file: string): Set<string> {
  let found = new Set([file]);
  for (;;) {
    const next = withImporters(graph, [...found]);
    if (next.size === found.size) return found;
    found = next;
  }
}
