#!/usr/bin/env zx
// stackwave bootstrap: one command from a clean checkout to a running Kind cluster with Argo CD syncing the stack.
//   node bootstrap.mjs [--cluster local] [--dry-run] [--down] [--yes] [--timeout 15m] [--verbose] [--sim]
// Thin on purpose: the logic is typed TypeScript in tools/ (bootstrap.ts, plan.ts, preflight.ts, run.ts, waves.ts),
// loaded through tsx. See docs/bootstrap.md.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

// A fresh clone has no node_modules yet: install the locked dependencies first, so this stays one command.
if (!existsSync(new URL("./node_modules/tsx/package.json", import.meta.url))) {
  console.log("bootstrap: installing the locked npm dependencies first (npm ci)");
  const install = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], {
    cwd: fileURLToPath(new URL(".", import.meta.url)),
    stdio: "inherit",
  });
  if (install.status !== 0) {
    console.error("bootstrap: npm ci failed (see above); fix it and run node bootstrap.mjs again");
    process.exit(1);
  }
}
const { tsImport } = await import("tsx/esm/api");

// zx runs this file as `node zx bootstrap.mjs <args>`; plain `node bootstrap.mjs <args>` works too.
const self = process.argv.findIndex((arg) => arg.endsWith("bootstrap.mjs"));
const args = process.argv.slice(self + 1);
const { main } = await tsImport("./tools/bootstrap/main.ts", import.meta.url);
process.exitCode = await main(args);
