// How each pinned tool of the simulated cluster is built from Go modules. Upstream code is never
// committed: wrapper modules (go.mod, a tiny main.go) are written into the cache at build time.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../generators/paths.js";
import { goTools } from "../../generators/versions.js";
import { imageRecipes } from "../images/recipes.js";
import { kindRecipes } from "../kind/recipes.js";

/** What a recipe may do while building: run go in the wrapper module and write files there. */
export interface BuildContext {
  /** The wrapper module folder (cache/sim/<tool>-<version>/src). */
  readonly src: string;
  /** Where the binaries must end up (cache/sim/<tool>-<version>/bin). */
  readonly bin: string;
  /** Runs `go <args>` (niced, CGO off, local toolchain) in `src`; resolves with stdout. */
  go(args: readonly string[]): Promise<string>;
}

export interface Recipe {
  /** Short name used on the command line and in the cache folder. */
  readonly name: string;
  readonly version: string;
  /** Binaries the recipe leaves in `bin`; the build counts as done when they all exist. */
  readonly binaries: readonly string[];
  build(ctx: BuildContext): Promise<void>;
}

/** Without the leading v, the way several projects stamp their version. */
const bare = (version: string) => version.replace(/^v/, "");

function write(ctx: BuildContext, file: string, text: string): void {
  writeFileSync(join(ctx.src, file), text);
}

/** go.mod of a wrapper module; `replaces` lines are `old => new version`. */
function goMod(name: string, requires: readonly string[], replaces: readonly string[] = []): string {
  const req = requires.map((r) => `\t${r}\n`).join("");
  const rep = replaces.length ? `\nreplace (\n${replaces.map((r) => `\t${r}\n`).join("")})\n` : "";
  return `// Written by tools/cache/recipes.ts: a wrapper that builds an upstream command at a pinned version.\nmodule stackwave.local/${name}\n\ngo 1.25\n\nrequire (\n${req})\n${rep}`;
}

/** Downloads a module and returns its go.mod text (the module's own, with its replace block). */
async function upstreamGoMod(ctx: BuildContext, module: string, version: string): Promise<{ mod: string; dir: string }> {
  const info = JSON.parse(await ctx.go(["mod", "download", "-json", `${module}@${version}`])) as { GoMod: string; Dir: string };
  return { mod: readFileSync(info.GoMod, "utf8"), dir: info.Dir };
}

/** The `old => new` lines of a go.mod's replace directives (block or single-line form). */
export function replaceLines(mod: string): string[] {
  const lines: string[] = [];
  let inBlock = false;
  for (const raw of mod.split("\n")) {
    const line = raw.replace(/\/\/.*$/, "").trim();
    if (inBlock) {
      if (line === ")") inBlock = false;
      else if (line.includes("=>")) lines.push(line);
    } else if (/^replace\s*\($/.test(line)) inBlock = true;
    else if (line.startsWith("replace ") && line.includes("=>")) lines.push(line.slice("replace ".length).trim());
  }
  return lines;
}

/** `go install module@version` into bin: for tools whose go.mod has no replace directives. */
function installed(name: string, tool: { module: string; version: string }, binary: string, ldflags = ""): Recipe {
  return {
    name,
    version: tool.version,
    binaries: [binary],
    async build(ctx) {
      const flags = ldflags ? [`-ldflags=${ldflags}`] : [];
      await ctx.go(["install", "-trimpath", ...flags, `${tool.module}@${tool.version}`]);
    },
  };
}

const etcd: Recipe = {
  name: "etcd",
  version: goTools.etcd.version,
  binaries: ["etcd"],
  async build(ctx) {
    // etcd's own main package lives in the root module; etcdmain.Main is the same entry point.
    write(ctx, "go.mod", goMod("etcd", [`${goTools.etcd.module} ${goTools.etcd.version}`]));
    write(
      ctx,
      "main.go",
      `// Written by tools/cache/recipes.ts: runs etcd's own entry point.\npackage main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n`,
    );
    await ctx.go(["mod", "tidy"]);
    await ctx.go(["build", "-trimpath", "-ldflags=-s -w", "-o", join(ctx.bin, "etcd"), "."]);
  },
};

const kubeCommands = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "kubelet", "kubeadm", "kubectl"];

const kube: Recipe = {
  name: "kubernetes",
  version: goTools.kubernetes.version,
  // The scheduler is not a kubelet job: without it kwok's nodes never receive pods. kubelet, kubeadm,
  // kube-proxy and kubectl go into the Kind node image; one build shares the compiled packages.
  binaries: kubeCommands,
  async build(ctx) {
    const { module, version } = goTools.kubernetes;
    const { mod } = await upstreamGoMod(ctx, module, version);
    // Staging modules are `./staging/...` replaces upstream; outside the repo they are published as v0.<minor>.<patch>.
    const staging = replaceLines(mod)
      .filter((l) => l.includes("./staging/"))
      .map((l) => l.split("=>")[0]!.trim());
    if (staging.length === 0) throw new Error(`no staging modules found in ${module}@${version} go.mod`);
    const stagingVersion = version.replace(/^v1\./, "v0.");
    write(
      ctx,
      "go.mod",
      goMod(
        "kubernetes",
        [`${module} ${version}`],
        staging.map((m) => `${m} => ${m} ${stagingVersion}`),
      ),
    );
    write(
      ctx,
      "tools.go",
      `// Written by tools/cache/recipes.ts: pins the commands this wrapper builds.\n//go:build tools\n\npackage tools\n\nimport (\n${kubeCommands.map((c) => `\t_ "${module}/cmd/${c}"\n`).join("")})\n`,
    );
    await ctx.go(["mod", "tidy"]);
    const [major, minor] = bare(version).split(".");
    const stamp = (pkg: string) => [
      `-X ${pkg}.gitVersion=${version}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
      `-X ${pkg}.buildDate=1970-01-01T00:00:00Z`,
    ];
    const ldflags = ["-s -w", ...stamp("k8s.io/component-base/version"), ...stamp("k8s.io/client-go/pkg/version")].join(" ");
    await ctx.go(["build", "-trimpath", `-ldflags=${ldflags}`, "-o", ctx.bin + "/", ...kubeCommands.map((c) => `${module}/cmd/${c}`)]);
  },
};

const prometheusOperator: Recipe = {
  name: "prometheus-operator",
  version: goTools.prometheusOperator.version,
  binaries: ["prometheus-operator"],
  async build(ctx) {
    const { module, version } = goTools.prometheusOperator;
    // Upstream replaces its API and client submodules with local folders; use their published tags instead.
    const subs = [`${module}/pkg/apis/monitoring`, `${module}/pkg/client`];
    write(ctx, "go.mod", goMod("prometheus-operator", [`${module} ${version}`, ...subs.map((m) => `${m} ${version}`)]));
    write(
      ctx,
      "tools.go",
      `// Written by tools/cache/recipes.ts: pins the command this wrapper builds.\n//go:build tools\n\npackage tools\n\nimport _ "${module}/cmd/operator"\n`,
    );
    // No `go mod tidy`: it also resolves tests of dependencies, and those pull an old cloud.google.com/go that
    // makes compute/metadata ambiguous. `go build -mod=mod` resolves only what the operator imports.
    const v = "github.com/prometheus/common/version";
    await ctx.go([
      "build",
      "-trimpath",
      `-ldflags=-s -w -X ${v}.Version=${bare(version)} -X ${v}.Branch=release -X ${v}.Revision=${version}`,
      "-o",
      join(ctx.bin, "prometheus-operator"),
      `${module}/cmd/operator`,
    ]);
  },
};

/** Our own Go source (tools/promconfig) linked against the pinned operator's packages. */
export const promconfigSource = join(repoRoot, "tools", "promconfig", "main.go");

/**
 * promconfig: the Prometheus configuration the pinned operator writes for given objects, from the operator's
 * own selection, validation and generator (tools/promconfig/README.md). The source's hash is part of the
 * version, so an edited main.go is rebuilt.
 */
export const promconfigRecipe: Recipe = {
  name: "promconfig",
  version: `${goTools.prometheusOperator.version}+${createHash("sha256").update(readFileSync(promconfigSource)).digest("hex").slice(0, 12)}`,
  binaries: ["promconfig"],
  async build(ctx) {
    const { module, version } = goTools.prometheusOperator;
    const subs = [`${module}/pkg/apis/monitoring`, `${module}/pkg/client`];
    write(ctx, "go.mod", goMod("promconfig", [`${module} ${version}`, ...subs.map((m) => `${m} ${version}`)]));
    cpSync(promconfigSource, join(ctx.src, "main.go"));
    await ctx.go(["build", "-trimpath", "-ldflags=-s -w", "-o", join(ctx.bin, "promconfig"), "."]);
  },
};

/**
 * The built web UI of the pinned Argo CD (../shared/argocd-ui, see its README): the Go module ships
 * ui/dist/app empty, and argocd-server reads index.html only from the files embedded at build time.
 */
export const argocdUIArchive = join(repoRoot, "..", "shared", "argocd-ui", `argocd-ui-${goTools.argocd.version}.tgz`);

/** Argo CD from its module; with the UI archive present, a copy of the module with the UI embedded. */
function argocdRecipe(ui: string | undefined): Recipe {
  const { module, version } = goTools.argocd;
  return {
    name: "argocd",
    // A separate cache folder per variant, so a build without the UI is never mistaken for one with it.
    version: ui ? `${version}+ui` : version,
    binaries: ["argocd"],
    async build(ctx) {
      const { mod, dir } = await upstreamGoMod(ctx, module, version);
      // Main-module replaces only: the release's own replace block must be repeated in the wrapper.
      const replaces = replaceLines(mod);
      if (ui) {
        const copy = join(ctx.src, "argo-cd");
        cpSync(dir, copy, { recursive: true });
        writable(copy);
        execFileSync("tar", ["-xzf", ui, "-C", join(copy, "ui", "dist", "app")]);
        replaces.push(`${module} => ./argo-cd`);
      }
      write(ctx, "go.mod", goMod("argocd", [`${module} ${version}`], replaces));
      write(
        ctx,
        "tools.go",
        `// Written by tools/cache/recipes.ts: pins the command this wrapper builds.\n//go:build tools\n\npackage tools\n\nimport _ "${module}/cmd"\n`,
      );
      await ctx.go(["mod", "tidy"]);
      const c = `${module}/common`;
      await ctx.go([
        "build",
        "-trimpath",
        `-ldflags=-s -w -X ${c}.version=${bare(version)} -X ${c}.gitTag=${version} -X ${c}.gitTreeState=clean`,
        "-o",
        join(ctx.bin, "argocd"),
        `${module}/cmd`,
      ]);
    },
  };
}

/** Makes a copied module-cache tree writable (the cache stores it read-only). */
function writable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) writable(path);
    else chmodSync(path, 0o644);
  }
}

/** FerretDB, the MongoDB wire-protocol server the app and monitoring tests run against. */
const ferretdb: Recipe = {
  name: "ferretdb",
  version: goTools.ferretdb.version,
  binaries: ["ferretdb"],
  async build(ctx) {
    // FerretDB embeds build/version/version.txt, which its module zip lacks: a plain `go install`
    // builds a binary that panics at start. Build a copy of the module with that file written.
    const { dir } = await upstreamGoMod(ctx, goTools.ferretdb.module.replace(/\/cmd\/ferretdb$/, ""), goTools.ferretdb.version);
    cpSync(dir, ctx.src, { recursive: true });
    writable(ctx.src);
    write(ctx, "build/version/version.txt", `${goTools.ferretdb.version}\n`);
    await ctx.go(["build", "-trimpath", "-o", join(ctx.bin, "ferretdb"), "./cmd/ferretdb"]);
  },
};

/**
 * A Prometheus project release (server plus its CLI) from its module, stamped so `--version` prints the
 * release. The module's own replace block is repeated in the wrapper, as for Argo CD.
 */
function prometheusProject(name: string, tool: { module: string; version: string; release: string }, commands: readonly string[]): Recipe {
  const { module, version, release } = tool;
  return {
    name,
    version: release,
    binaries: commands,
    async build(ctx) {
      const { mod } = await upstreamGoMod(ctx, module, version);
      write(ctx, "go.mod", goMod(name, [`${module} ${version}`], replaceLines(mod)));
      write(
        ctx,
        "tools.go",
        `// Written by tools/cache/recipes.ts: pins the commands this wrapper builds.\n//go:build tools\n\npackage tools\n\nimport (\n${commands.map((c) => `\t_ "${module}/cmd/${c}"\n`).join("")})\n`,
      );
      await ctx.go(["mod", "tidy"]);
      const v = "github.com/prometheus/common/version";
      const ldflags = [
        "-s -w",
        `-X ${v}.Version=${bare(release)}`,
        `-X ${v}.Revision=${release}`,
        `-X ${v}.Branch=release`,
        `-X ${v}.BuildUser=stackwave`,
        `-X ${v}.BuildDate=19700101-00:00:00`,
      ].join(" ");
      // netgo as upstream's .promu.yml; no builtinassets tag, so Prometheus' web UI is not embedded (see README).
      await ctx.go([
        "build",
        "-trimpath",
        "-tags=netgo",
        `-ldflags=${ldflags}`,
        "-o",
        ctx.bin + "/",
        ...commands.map((c) => `${module}/cmd/${c}`),
      ]);
    },
  };
}

/** Every tool: FerretDB and helm for the tests, then the simulated cluster in bring-up order (the operator last). */
export const recipes: readonly Recipe[] = [
  ferretdb,
  installed("helm", goTools.helm, "helm", `-X helm.sh/helm/v3/internal/version.version=${goTools.helm.version}`),
  etcd,
  installed("kwok", goTools.kwok, "kwok"),
  installed("kustomize", goTools.kustomize, "kustomize"),
  kube,
  argocdRecipe(existsSync(argocdUIArchive) ? argocdUIArchive : undefined),
  prometheusOperator,
  promconfigRecipe,
  prometheusProject("prometheus", goTools.prometheus, ["prometheus", "promtool"]),
  prometheusProject("alertmanager", goTools.alertmanager, ["alertmanager", "amtool"]),
  // The kind CLI and the Go-built parts of the Kind node image (tools/kind).
  ...kindRecipes,
  // The Go-built programs of the stack's images (tools/images).
  ...imageRecipes,
];
