// Go-built programs the Kind harness needs, as tool-cache recipes (tools/cache/build.ts builds them):
// the kind CLI, and what goes into the node image besides Kubernetes (crictl, etcd and etcdctl at
// kubeadm's version, CoreDNS, local-path-provisioner).
import { join } from "node:path";
import type { BuildContext, Recipe } from "../cache/recipes.js";
import { cliTools, kindBaseTools, kindNodeImages } from "../../generators/versions.js";

/** `go install module@version`, with optional -ldflags. */
function install(name: string, module: string, version: string, binary: string, ldflags = ""): Recipe {
  return {
    name,
    version,
    binaries: [binary],
    async build(ctx: BuildContext) {
      await ctx.go(["install", "-trimpath", `-ldflags=-s -w ${ldflags}`.trim(), `${module}@${version}`]);
    },
  };
}

const etcdVersion = kindNodeImages.etcd.source;

/**
 * etcd and etcdctl at the version kubeadm's etcd image carries (registry.k8s.io/etcd:<version>-0). Named
 * with their version, because the cache's bin/etcd is the simulated cluster's etcd (goTools.etcd).
 */
export const etcdImageBinaries = { etcd: `etcd-${etcdVersion}`, etcdctl: `etcdctl-${etcdVersion}` } as const;

const etcdImage: Recipe = {
  name: "etcd-image",
  version: etcdVersion,
  binaries: [etcdImageBinaries.etcd, etcdImageBinaries.etcdctl],
  async build(ctx) {
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      join(ctx.src, "go.mod"),
      `// Written by tools/kind/recipes.ts: builds etcd and etcdctl at a pinned version.\nmodule stackwave.local/etcd-image\n\ngo 1.25\n\nrequire (\n\tgo.etcd.io/etcd/server/v3 ${etcdVersion}\n\tgo.etcd.io/etcd/etcdctl/v3 ${etcdVersion}\n)\n`,
    );
    // etcd's own main package lives in its root module; etcdmain.Main is the same entry point.
    writeFileSync(
      join(ctx.src, "main.go"),
      `// Written by tools/kind/recipes.ts: runs etcd's own entry point.\npackage main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n`,
    );
    writeFileSync(
      join(ctx.src, "tools.go"),
      `// Written by tools/kind/recipes.ts.\n//go:build tools\n\npackage main\n\nimport _ "go.etcd.io/etcd/etcdctl/v3"\n`,
    );
    await ctx.go(["mod", "tidy"]);
    await ctx.go(["build", "-trimpath", "-ldflags=-s -w", "-o", join(ctx.bin, etcdImageBinaries.etcd), "."]);
    await ctx.go(["build", "-trimpath", "-ldflags=-s -w", "-o", join(ctx.bin, etcdImageBinaries.etcdctl), "go.etcd.io/etcd/etcdctl/v3"]);
  },
};

const coredns = kindNodeImages.coredns.source;
const localPath = kindNodeImages.localPathProvisioner.source;

/** Every recipe of the Kind harness, in the order the node image needs them (kind itself first). */
export const kindRecipes: readonly Recipe[] = [
  install("kind", "sigs.k8s.io/kind", cliTools.kind, "kind"),
  install(
    "crictl",
    kindBaseTools.crictl.module,
    kindBaseTools.crictl.version,
    "crictl",
    `-X sigs.k8s.io/cri-tools/pkg/version.Version=${kindBaseTools.crictl.version}`,
  ),
  etcdImage,
  install("coredns", "github.com/coredns/coredns", coredns, "coredns", `-X github.com/coredns/coredns/coremain.GitCommit=${coredns}`),
  install(
    "local-path-provisioner",
    "github.com/rancher/local-path-provisioner",
    localPath,
    "local-path-provisioner",
    `-X main.VERSION=${localPath}`,
  ),
];
