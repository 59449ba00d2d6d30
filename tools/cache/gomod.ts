// Files shipped inside pinned Go modules (CRDs, example manifests), read from the Go module cache.
import { run } from "./command.js";

/** Folder of `module@version` in the Go module cache, downloading it first if needed. */
export async function goModuleDir(module: string, version: string): Promise<string> {
  const out = await run(["go", "mod", "download", "-json", `${module}@${version}`], {
    env: { ...process.env, GOFLAGS: "-mod=mod", GOTOOLCHAIN: "local" },
  });
  return (JSON.parse(out) as { Dir: string }).Dir;
}
