// The run folder of one checkout's simulated cluster. The tool cache is shared by every clone on the
// machine, so each checkout keeps its cluster's state in a folder of its own and `sim:down` stops only that.
import { createHash } from "node:crypto";
import { basename, join, resolve } from "node:path";
import { cacheDir } from "../cache/dirs.js";

/** `$STACKWAVE_CACHE/sim/runs/<folder name>-<hash of the checkout's absolute path>`. */
export function runDir(checkout: string, cache: string = cacheDir): string {
  const root = resolve(checkout);
  const id = createHash("sha256").update(root).digest("hex").slice(0, 12);
  const name = basename(root).replace(/[^\w.-]/g, "_") || "root";
  return join(cache, "sim", "runs", `${name}-${id}`);
}
