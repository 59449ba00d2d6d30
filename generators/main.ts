// npm run generate: validate the config, render every layer and cluster, then write once.
//   --config <file.json>  use this config instead of the built-in one (see --print-config)
//   --print-config        print the built-in config as JSON and exit
//   --out <dir>           write under <dir> instead of the repository root
//   --only <layer,...>    rewrite only these layers' base and overlays (the pre-commit hook uses it)
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { layerNames } from "./config.js";
import { repoRoot } from "./paths.js";
import { allLayers } from "./registry.js";
import { GenerationError, render } from "./render.js";
import { defaultConfig } from "./stack.js";
import { writeTree } from "./write.js";

/** The folders generation owns for a full run, or for a subset of layers. */
export function scopesFor(config: { environments: readonly { name: string }[] }, only?: readonly string[]): string[] {
  if (!only) return ["base", "overlays", "clusters"];
  return only.flatMap((layer) => [`base/${layer}`, ...config.environments.map((env) => `overlays/${env.name}/${layer}`)]);
}

function main(): number {
  const { values } = parseArgs({
    options: {
      config: { type: "string" },
      "print-config": { type: "boolean", default: false },
      out: { type: "string" },
      only: { type: "string" },
    },
  });
  const started = performance.now();
  let config: unknown;
  try {
    config = values.config ? JSON.parse(readFileSync(values.config, "utf8")) : defaultConfig();
  } catch (error) {
    console.error(`config error: ${values.config}: expected a readable JSON file, got ${(error as Error).message}`);
    return 1;
  }
  if (values["print-config"]) {
    console.log(JSON.stringify(config, null, 2));
    return 0;
  }
  const only = values.only?.split(",").map((s) => s.trim());
  const unknown = only?.filter((layer) => !(layerNames as readonly string[]).includes(layer)) ?? [];
  if (unknown.length > 0) {
    console.error(`usage error: --only: expected layers from ${layerNames.join(", ")}, got ${unknown.join(", ")}`);
    return 1;
  }

  let files: Map<string, string>;
  try {
    files = render(config, allLayers);
  } catch (error) {
    if (!(error instanceof GenerationError)) throw error;
    for (const line of error.problems) console.error(line);
    console.error(`generation failed: ${error.problems.length} problem(s); nothing was written`);
    return 1;
  }
  const root = resolve(values.out ?? repoRoot);
  const scopes = scopesFor(config as { environments: { name: string }[] }, only);
  const summary = writeTree(root, files, scopes);
  const ms = Math.round(performance.now() - started);
  console.log(
    `generated ${[...files.keys()].filter((p) => scopes.some((s) => p.startsWith(`${s}/`))).length} files in ${scopes.length > 3 ? scopes.join(" ") : scopes.map((s) => `${s}/`).join(" ")}: ` +
      `${summary.written} written, ${summary.unchanged} unchanged, ${summary.deleted} deleted (${ms} ms)`,
  );
  return 0;
}

process.exitCode = main();
