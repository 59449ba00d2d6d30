#!/usr/bin/env zx
// stackwave bootstrap: one command from a clean checkout to a running Kind cluster with Argo CD syncing the stack.
//   npx zx bootstrap.mjs [--cluster local] [--dry-run] [--down] [--yes] [--timeout 15m] [--verbose]
// Thin on purpose: the logic is typed TypeScript in tools/ (bootstrap.ts, plan.ts, preflight.ts, run.ts, waves.ts),
// loaded through tsx. See docs/bootstrap.md.
import { tsImport } from "tsx/esm/api";

// zx runs this file as `node zx bootstrap.mjs <args>`; plain `node bootstrap.mjs <args>` works too.
const self = process.argv.findIndex((arg) => arg.endsWith("bootstrap.mjs"));
const args = process.argv.slice(self + 1);
const { main } = await tsImport("./tools/bootstrap.ts", import.meta.url);
process.exitCode = await main(args);
