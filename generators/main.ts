// npm run generate: validate the config, render every layer and cluster, then write once.
//   --config <file.json>  use this config instead of the built-in one (see --print-config)
//   --print-config        print the built-in config as JSON and exit
//   --out <dir>           write under <dir> instead of the repository root
//   --only <layer,...>    rewrite only these layers' base and overlays (the pre-commit hook uses it)
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { layerNames } from "./config.js";
import { generate } from "./generate.js";
import { repoRoot } from "./paths.js";
import { defaultConfig } from "./stack.js";

function main(): number {
  const started = performance.now();
  const { values } = parseArgs({
    options: {
      config: { type: "string" },
      "print-config": { type: "boolean", default: false },
      out: { type: "string" },
      only: { type: "string" },
    },
  });
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

  const result = generate({ config, root: resolve(values.out ?? repoRoot), ...(only ? { only } : {}) });
  if (!result.ok) {
    for (const line of result.problems) console.error(line);
    console.error(`generation failed: ${result.problems.length} problem(s); nothing was written`);
    return 1;
  }
  const { written, unchanged, deleted } = result.summary;
  const where = only ? `layers ${only.join(", ")}` : "base/ overlays/ clusters/";
  const ms = Math.round(performance.now() - started);
  console.log(`generated ${result.files} files in ${where}: ${written} written, ${unchanged} unchanged, ${deleted} deleted (${ms} ms)`);
  return 0;
}

process.exitCode = main();
