// Files shipped inside pinned Go modules (CRDs, example manifests), read from the Go module cache.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { run } from "./command.js";

const env = { ...process.env, GOFLAGS: "-mod=mod", GOTOOLCHAIN: "local" };
let modCache: Promise<string> | undefined;

/** The module cache's escaping of a path: each capital letter becomes `!` and the lower-case letter. */
const escape = (path: string) => path.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);

/**
 * Folder of `module@version` in the Go module cache, downloading it first if needed. A module already
 * extracted is used as it is: go extracts only what it verified (some modules, such as kube-state-metrics,
 * are verified against hashes a recipe pins, because the checksum database does not answer for them).
 */
export async function goModuleDir(module: string, version: string): Promise<string> {
  modCache ??= run(["go", "env", "GOMODCACHE"], { env }).then((out) => out.trim());
  const extracted = join(await modCache, `${escape(module)}@${escape(version)}`);
  if (existsSync(extracted)) return extracted;
  const out = await run(["go", "mod", "download", "-json", `${module}@${version}`], { env });
  return (JSON.parse(out) as { Dir: string }).Dir;
}
