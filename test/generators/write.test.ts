// generators/write.ts: each folder ends up holding exactly its rendered files; a folder already as rendered
// is left alone (the same directory, not a rewritten copy), a changed one is swapped as a whole.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeTree } from "../../generators/write.js";
import { testDir } from "../support/temp.js";

const files = new Map([
  ["base/a/one.yaml", "one: 1\n"],
  ["base/a/two.yaml", "two: 2\n"],
  ["overlays/local/a/kustomization.yaml", "resources: []\n"],
]);
const scopes = ["base", "overlays"];
const inode = (path: string) => statSync(path).ino;

describe("GIVEN a generated tree written once", () => {
  it("WHEN the same files are written again THEN nothing is written and every folder stays the same directory", () => {
    const root = testDir("write");
    writeTree(root, files, scopes);
    const before = scopes.map((scope) => inode(join(root, scope)));

    const summary = writeTree(root, files, scopes);

    expect(summary).toEqual({ written: 0, unchanged: 3, deleted: 0 });
    expect(scopes.map((scope) => inode(join(root, scope)))).toEqual(before);
  });

  it("WHEN one file changes THEN its folder is swapped with the new content and the other folder is left alone", () => {
    const root = testDir("write");
    writeTree(root, files, scopes);
    const overlays = inode(join(root, "overlays"));
    const base = inode(join(root, "base"));

    const summary = writeTree(root, new Map([...files, ["base/a/two.yaml", "two: 22\n"]]), scopes);

    expect(summary).toEqual({ written: 1, unchanged: 2, deleted: 0 });
    expect(readFileSync(join(root, "base/a/two.yaml"), "utf8")).toBe("two: 22\n");
    expect(inode(join(root, "base"))).not.toBe(base);
    expect(inode(join(root, "overlays"))).toBe(overlays);
  });

  it("WHEN a folder holds a file nothing renders any more THEN the file is removed and counted", () => {
    const root = testDir("write");
    writeTree(root, files, scopes);
    writeFileSync(join(root, "base/a/stale.yaml"), "stale: true\n");

    const summary = writeTree(root, files, scopes);

    expect(summary).toEqual({ written: 0, unchanged: 3, deleted: 1 });
    expect(existsSync(join(root, "base/a/stale.yaml"))).toBe(false);
    expect(readFileSync(join(root, "base/a/one.yaml"), "utf8")).toBe("one: 1\n");
  });
});
