// tools/dev/kustomize.ts: a build is keyed by every file it can read, so identical kustomizations share one
// build and a change anywhere they read makes a new one; cached and cold builds render the same bytes.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { build, buildAll, buildKey, withLocalizedTree } from "../../tools/dev/kustomize.js";
import { testDir } from "../support/temp.js";
import { requireTool } from "../support/tools.js";

/** base/crds (one file) and two overlays of it that differ only in `label`s. */
function tree(root: string, labels: { local: string; ha: string }): void {
  mkdirSync(join(root, "base/crds"), { recursive: true });
  writeFileSync(join(root, "base/crds/kustomization.yaml"), "resources:\n  - crd.yaml\n");
  writeFileSync(join(root, "base/crds/crd.yaml"), "kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: x\n");
  for (const [env, label] of Object.entries(labels)) {
    mkdirSync(join(root, `overlays/${env}/crds`), { recursive: true });
    writeFileSync(
      join(root, `overlays/${env}/crds/kustomization.yaml`),
      `resources:\n  - ../../../base/crds\nlabels:\n  - pairs:\n      env: ${label}\n`,
    );
  }
}

describe("GIVEN two overlays of one base", () => {
  it("WHEN they are identical THEN they share a key, and a change in the base they read gives a new one", () => {
    const root = testDir("kustomize-key");
    tree(root, { local: "same", ha: "same" });
    const local = buildKey(root, "overlays/local/crds", process.execPath);
    expect(buildKey(root, "overlays/ha/crds", process.execPath)).toBe(local);

    writeFileSync(join(root, "base/crds/crd.yaml"), "kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: y\n");
    expect(buildKey(root, "overlays/local/crds", process.execPath)).not.toBe(local);
  });

  it("WHEN their own kustomizations differ THEN their keys differ", () => {
    const root = testDir("kustomize-key");
    tree(root, { local: "local", ha: "ha" });
    expect(buildKey(root, "overlays/ha/crds", process.execPath)).not.toBe(buildKey(root, "overlays/local/crds", process.execPath));
  });
});

const kustomize = requireTool("kustomize", "build the pinned kustomize v5.7.1 into the tool cache: npx tsx tools/cache/build.ts");
const go = requireTool("go", "go fetches the upstream CRDs through the module proxy");

describe.skipIf(!kustomize || !go)("GIVEN this repository's generated overlays", () => {
  it("WHEN built cold, then from the cache, then one by one THEN every output is what kustomize itself renders", async () => {
    const folders = ["overlays/local/operator", "overlays/local/apps"];
    const direct = withLocalizedTree((root) =>
      folders.map((f) =>
        execFileSync(kustomize!, ["build", "--load-restrictor", "LoadRestrictionsNone", join(root, f)], { encoding: "utf8" }),
      ),
    );
    const cold = await buildAll(folders, { cache: false });
    await buildAll(folders); // fills the cache
    const cached = await buildAll(folders);
    folders.forEach((folder, i) => {
      expect(cold.get(folder), folder).toEqual({ ok: true, yaml: direct[i] });
      expect(cached.get(folder), folder).toEqual({ ok: true, yaml: direct[i] });
      expect(build(folder), folder).toBe(direct[i]);
    });
  });
});
