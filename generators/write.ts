// The one writer. It replaces whole generated folders at once, so a reader never sees half an update
// and files of objects that no longer exist disappear with the folder they were in.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

export interface WriteSummary {
  readonly written: number;
  readonly unchanged: number;
  readonly deleted: number;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

/**
 * Makes each folder in `scopes` (relative to `root`) hold exactly the `files` under it.
 * Everything is staged in a sibling temp folder first; only renames touch the real tree.
 */
export function writeTree(root: string, files: ReadonlyMap<string, string>, scopes: readonly string[]): WriteSummary {
  const inScope = (path: string) => scopes.some((scope) => path.startsWith(`${scope}/`));
  const stage = join(root, `.generate-${process.pid}`);
  rmSync(stage, { recursive: true, force: true });
  let written = 0;
  let unchanged = 0;
  let deleted = 0;
  try {
    for (const [path, content] of files) {
      if (!inScope(path)) continue;
      const target = join(stage, "new", path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
      const current = join(root, path);
      if (existsSync(current) && readFileSync(current, "utf8") === content) unchanged++;
      else written++;
    }
    for (const scope of scopes) for (const old of listFiles(join(root, scope))) if (!files.has(relative(root, old))) deleted++;

    for (const scope of scopes) {
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
