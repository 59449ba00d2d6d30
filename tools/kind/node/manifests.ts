// kind's default CNI (kindnet) and storage (local-path) manifests, which `kind build node-image` writes to
// /kind/manifests in the node. They are Go constants of kind's pkg/build/nodeimage, not files, so kind's
// own compiler output is the only faithful copy: a throwaway program in the cache, built from those two
// source files of the pinned module, prints them. Nothing of it is kept in this repository.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../../cache/command.js";
import { toolDir } from "../../cache/dirs.js";
import { goModuleDir } from "../../cache/gomod.js";
import { cliTools } from "../../../generators/versions.js";

/** The two files, as kind writes them into the node image. */
export interface KindManifests {
  /** /kind/manifests/default-cni.yaml (a template kind fills in at create time). */
  readonly cni: string;
  /** /kind/manifests/default-storage.yaml. */
  readonly storage: string;
}

const sources = ["const_cni.go", "const_storage.go"];

/** Renders the manifests of kind `version` (cached in the tool cache by version). */
export async function kindManifests(version: string = cliTools.kind): Promise<KindManifests> {
  const dir = join(toolDir("kind-manifests", version));
  const out = { cni: join(dir, "default-cni.yaml"), storage: join(dir, "default-storage.yaml") };
  if (!existsSync(out.cni) || !existsSync(out.storage)) {
    const module = await goModuleDir("sigs.k8s.io/kind", version);
    const src = join(dir, "src");
    mkdirSync(src, { recursive: true });
    for (const file of sources) cpSync(join(module, "pkg/build/nodeimage", file), join(src, file));
    // The copies keep their package name; a main package next to them would not compile, so the
    // program is a test of that package that prints the constants.
    writeFileSync(
      join(src, "print_test.go"),
      `// Written by tools/kind/node/manifests.ts.\npackage nodeimage\n\nimport (\n\t"os"\n\t"testing"\n)\n\nfunc TestPrint(t *testing.T) {\n\tif err := os.WriteFile(os.Getenv("CNI_OUT"), []byte(defaultCNIManifest), 0o644); err != nil {\n\t\tt.Fatal(err)\n\t}\n\tif err := os.WriteFile(os.Getenv("STORAGE_OUT"), []byte(defaultStorageManifest), 0o644); err != nil {\n\t\tt.Fatal(err)\n\t}\n}\n`,
    );
    writeFileSync(join(src, "go.mod"), "// Written by tools/kind/node/manifests.ts.\nmodule stackwave.local/kind-manifests\n\ngo 1.25\n");
    await run(["go", "test", "-count=1", "-run", "TestPrint", "."], {
      cwd: src,
      env: { ...process.env, CNI_OUT: out.cni, STORAGE_OUT: out.storage, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod", CGO_ENABLED: "0" },
    });
  }
  return { cni: readFileSync(out.cni, "utf8"), storage: readFileSync(out.storage, "utf8") };
}
