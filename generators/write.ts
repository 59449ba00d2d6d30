// The one writer. It replaces whole generated folders at once, so a reader never sees half an update
// and files of objects that no longer exist disappear with the folder they were in. A folder whose files
// are all already as rendered is left alone: most runs change nothing, and rewriting 145 files and
// removing the old copies cost more than rendering them.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

export interface WriteSummary {
  readonly written: number;
  readonly unchanged: number;
  readonly deleted: number;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path) : [path];
  });
}

function currentText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Makes each folder in `scopes` (relative to `root`) hold exactly the `files` under it.
 * Changed folders are staged in a sibling temp folder first; only renames touch the real tree.
 */
export function writeTree(root: string, files: ReadonlyMap<string, string>, scopes: readonly string[]): WriteSummary {
  const scopeOf = (path: string) => scopes.find((scope) => path.startsWith(`${scope}/`));
  let written = 0;
  let unchanged = 0;
  let deleted = 0;
  const changed = new Set<string>();
  for (const [path, content] of files) {
    const scope = scopeOf(path);
    if (scope === undefined) continue;
    if (currentText(join(root, path)) === content) unchanged++;
    else {
      written++;
      changed.add(scope);
    }
  }
  for (const scope of scopes)
    for (const old of listFiles(join(root, scope)))
      if (!files.has(relative(root, old))) {
        deleted++;
        changed.add(scope);
      }
  if (changed.size === 0) return { written, unchanged, deleted };

  const stage = join(root, `.generate-${process.pid}`);
  rmSync(stage, { recursive: true, force: true });
  try {
    for (const [path, content] of files) {
      const scope = scopeOf(path);
      if (scope === undefined || !changed.has(scope)) continue;
      const target = join(stage, "new", path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
    for (const scope of scopes) {
      if (!changed.has(scope)) continue;
      const next = join(stage, "new", scope);
      const current = join(root, scope);
      const old = join(stage, "old", scope);
      if (existsSync(current)) {
        mkdirSync(dirname(old), { recursive: true });
        renameSync(current, old);
      }
      if (existsSync(next)) {
        mkdirSync(dirname(current), { recursive: true });
        renameSync(next, current);
      }
    }
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return { written, unchanged, deleted };
}
