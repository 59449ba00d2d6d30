// Go-built programs of the stack's images, as tool-cache recipes (tools/cache/build.ts builds them):
// the operator's config-reloader, the exporters and kube-state-metrics, each at the tag its image pins
// in generators/versions.ts and stamped the way its upstream Makefile or .promu.yml stamps it.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BuildContext, Recipe } from "../cache/recipes.js";
import { images, prometheusOperator } from "../../generators/versions.js";
import { registryRecipe } from "./registry.js";

/** prometheus/common's version package, which every one of these stamps. */
const stamp = (version: string) => {
  const v = "github.com/prometheus/common/version";
  return [
    `-X ${v}.Version=${version.replace(/^v/, "")}`,
    `-X ${v}.Revision=${version}`,
    `-X ${v}.Branch=release`,
    `-X ${v}.BuildUser=stackwave`,
    `-X ${v}.BuildDate=19700101-00:00:00`,
  ].join(" ");
};

interface Main {
  readonly name: string;
  readonly module: string;
  readonly version: string;
  /** The main package, when it is not the module root. */
  readonly pkg?: string;
  readonly binary: string;
  readonly tags?: string;
  /**
   * go.sum lines for modules the checksum database does not answer for (it returns 404): the hashes of
   * the proxy's copies on first download here, pinned so every later build verifies the same content.
   */
  readonly sums?: readonly string[];
}

/** A wrapper module that requires `module@version` and builds its main package into bin/<binary>. */
function program(m: Main): Recipe {
  return {
    name: m.name,
    version: m.version,
    binaries: [m.binary],
    async build(ctx: BuildContext) {
      const pkg = m.pkg ? `${m.module}/${m.pkg}` : m.module;
      writeFileSync(
        join(ctx.src, "go.mod"),
        `// Written by tools/images/recipes.ts: builds ${m.binary} at a pinned version.\nmodule stackwave.local/${m.name}\n\ngo 1.25\n\nrequire ${m.module} ${m.version}\n`,
      );
      if (m.sums) writeFileSync(join(ctx.src, "go.sum"), m.sums.join("\n") + "\n");
      // No `go mod tidy`: it resolves the tests of dependencies too, and kube-state-metrics' pull in
      // k8s.io/sample-controller, which the checksum database does not answer for either. `go build
      // -mod=mod` (GOFLAGS) resolves only what the main package imports.
      const tags = m.tags ? [`-tags=${m.tags}`] : [];
      await ctx.go(["build", "-trimpath", ...tags, `-ldflags=-s -w ${stamp(m.version)}`, "-o", join(ctx.bin, m.binary), pkg]);
    },
  };
}

const ksm = images.kubeStateMetrics.tag;

/** Every recipe of the stack's images. */
export const imageRecipes: readonly Recipe[] = [
  program({
    name: "prometheus-config-reloader",
    module: prometheusOperator.goModule,
    version: images.prometheusConfigReloader.tag,
    pkg: "cmd/prometheus-config-reloader",
    binary: "prometheus-config-reloader",
  }),
  // netgo osusergo static_build, as node_exporter's .promu.yml builds it.
  program({
    name: "node-exporter",
    module: "github.com/prometheus/node_exporter",
    version: images.nodeExporter.tag,
    binary: "node_exporter",
    tags: "netgo,osusergo,static_build",
  }),
  program({
    name: "blackbox-exporter",
    module: "github.com/prometheus/blackbox_exporter",
    version: images.blackboxExporter.tag,
    binary: "blackbox_exporter",
  }),
  program({
    name: "kube-state-metrics",
    module: "k8s.io/kube-state-metrics/v2",
    version: ksm,
    binary: "kube-state-metrics",
    sums: [
      `k8s.io/kube-state-metrics/v2 ${ksm} h1:9odhnjtWSngkq/6Maw9m0Fi9dH8DM4M/lQw/XCspAqk=`,
      `k8s.io/kube-state-metrics/v2 ${ksm}/go.mod h1:w/LL+bRDjYoHC1KoUr2bhjjBdKIAdVv1Ieduwuj6/H8=`,
      // pkg/util imports it; the checksum database does not answer for it either.
      "k8s.io/sample-controller v0.32.6 h1:/6HwD21Mo563pT8fCSdCOe8mjCJ3ok8+cHTc3BWN25Q=",
      "k8s.io/sample-controller v0.32.6/go.mod h1:eNDOnx2rVcttp3BIoB9aYUfpJf+Z1G0m7/NxBOVqtUY=",
    ],
  }),
  registryRecipe,
];
