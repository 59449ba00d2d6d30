// Go-built programs the Kind harness needs, as tool-cache recipes (tools/cache/build.ts builds them):
// the kind CLI, what goes into the node image besides Kubernetes (crictl, etcd and etcdctl at
// kubeadm's version, CoreDNS, local-path-provisioner), and the policy enforcer (tools/kind/policy).
import { join } from "node:path";
import type { BuildContext, Recipe } from "../cache/recipes.js";
import { cliTools, kindBaseTools, kindNodeImages, policyController } from "../../generators/versions.js";

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

/**
 * kubectl at the pinned cliTools.kubectl, which bootstrap requires on PATH: the Kubernetes module of that
 * patch cannot be built here (goTools.kubernetes), but kubectl's code is the k8s.io/kubectl staging module
 * of the same patch, so a wrapper builds the same command from it, stamped as the release build is.
 */
const kubectl: Recipe = {
  name: "kubectl",
  version: cliTools.kubectl,
  binaries: ["kubectl"],
  async build(ctx) {
    const { writeFileSync } = await import("node:fs");
    const release = cliTools.kubectl;
    const staging = release.replace(/^v1\./, "v0.");
    const modules = ["k8s.io/kubectl", "k8s.io/component-base", "k8s.io/client-go"];
    writeFileSync(
      join(ctx.src, "go.mod"),
      `// Written by tools/kind/recipes.ts: kubectl ${release} from its staging module.\nmodule stackwave.local/kubectl\n\ngo 1.25\n\nrequire (\n${modules.map((m) => `\t${m} ${staging}\n`).join("")})\n`,
    );
    writeFileSync(
      join(ctx.src, "main.go"),
      `// Written by tools/kind/recipes.ts: kubectl's entry point (k8s.io/kubernetes/cmd/kubectl).\npackage main\n\nimport (\n\t_ "k8s.io/client-go/plugin/pkg/client/auth"\n\t"k8s.io/component-base/cli"\n\t"k8s.io/kubectl/pkg/cmd"\n\t"k8s.io/kubectl/pkg/cmd/util"\n)\n\nfunc main() {\n\tif err := cli.RunNoErrOutput(cmd.NewDefaultKubectlCommand()); err != nil {\n\t\tutil.CheckErr(err)\n\t}\n}\n`,
    );
    const [major, minor] = release.replace(/^v/, "").split(".");
    const stamp = (pkg: string) =>
      [`gitVersion=${release}`, `gitMajor=${major}`, `gitMinor=${minor}`, "gitTreeState=clean", "buildDate=1970-01-01T00:00:00Z"].map(
        (kv) => `-X ${pkg}.${kv}`,
      );
    const ldflags = ["-s -w", ...stamp("k8s.io/component-base/version"), ...stamp("k8s.io/client-go/pkg/version")].join(" ");
    await ctx.go(["build", "-trimpath", `-ldflags=${ldflags}`, "-o", join(ctx.bin, "kubectl"), "."]);
  },
};

const coredns = kindNodeImages.coredns.source;
const localPath = kindNodeImages.localPathProvisioner.source;

/** Every recipe of the Kind harness, in the order the node image needs them (kind itself first). */
export const kindRecipes: readonly Recipe[] = [
  install("kind", "sigs.k8s.io/kind", cliTools.kind, "kind"),
  kubectl,
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
  // Stamped as kube-router's Makefile stamps it (pkg/version).
  install(
    "kube-router",
    `${policyController.module}/cmd/kube-router`,
    policyController.version,
    "kube-router",
    `-X ${policyController.module}/pkg/version.Version=${policyController.version} -X ${policyController.module}/pkg/version.BuildDate=1970-01-01T00:00:00Z`,
  ),
];
