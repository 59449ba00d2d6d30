// node tools/bundle/run.mjs <entry.ts> [args…]: runs a repository TypeScript entry from its cached bundle
// (load.mjs), as `node --import tsx <entry.ts> [args…]` would, with the entry's own argv. Only the command
// line lives here: a module that imports the bundle loader must not import the script that is still
// running it (its top-level await would wait for itself).
import { readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { load } from "./load.mjs";

const root = resolve(import.meta.dirname, "..", "..");
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error("usage: node tools/bundle/run.mjs <entry.ts> [args...]");
  process.exit(2);
}
// Older Node cannot load the TypeScript the bundler runs: say so in one line instead of a stack trace.
const engines = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).engines?.node ?? "";
const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  console.error(`stackwave needs Node ${engines} (this is ${process.version}): see "Getting Node 24" in README.md`);
  process.exit(1);
}
// The entry sees itself as the script, as it would when run directly.
process.argv = [process.argv[0], resolve(entry), ...args];
await load(root, relative(root, resolve(entry)));
