// Snapshots of a folder's files, to prove generation wrote nothing or exactly the same bytes.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** Every file under `root`'s base/, overlays/ and clusters/, by relative path. */
export function readTree(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.set(relative(root, path), readFileSync(path, "utf8"));
    }
  };
  for (const top of ["base", "overlays", "clusters"]) walk(join(root, top));
  return files;
}
