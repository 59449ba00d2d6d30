// The one list of container images stackwave builds offline, derived from generators/versions.ts:
// each is tagged with its exact upstream reference and built by a recipe (a Dockerfile here or in
// tools/kind/node) from its pinned source. Today it holds what a Kind node needs; the stack's and the
// Argo CD chart's images join it as their recipes land.
import { etcdImageBinaries } from "../kind/recipes.js";
import { policyImage } from "../kind/policy/image.js";
import { registryImage } from "./registry.js";
import { stackImages } from "./stack.js";
import { standInImages } from "./stand-ins.js";
import { cliTools, goTools, imageString, kindBaseTools, kindNodeImages, kubernetes, type ImageRef } from "../../generators/versions.js";

/** A file staged into an image's build context. */
export type ContextFile =
  /** A binary from the Go tool cache (tools/cache/recipes.ts, tools/kind/recipes.ts). */
  | { readonly tool: string; readonly version: string; readonly binary: string; readonly as?: string }
  /** A file of this repository, relative to its root. */
  | { readonly repo: string; readonly as?: string }
  /** A folder or file of a Go module, from the module cache. */
  | { readonly module: string; readonly version: string; readonly path: string; readonly as: string }
  /** The pause binary at this tag, compiled from build/pause/linux/pause.c of the Kubernetes module. */
  | { readonly pause: string; readonly as: string }
  /** Images of this list, `docker save`d into images/<name>.tar (the node image imports them). */
  | { readonly images: readonly string[] }
  /** kind's default CNI and storage manifests, as kind's own code renders them (tools/kind/node/manifests.ts). */
  | { readonly kindManifests: string }
  /** An npm registry package, `npm pack`ed once into the cache (name@version), staged as a .tgz. */
  | { readonly npm: string; readonly as: string };

export interface ImageSpec {
  /** Short name: the cache label, the command line, the benchmark row. */
  readonly name: string;
  /** Reference the image is tagged with in the harness Docker. */
  readonly reference: string;
  /** faithful: same source and version and the upstream layout; stand-in: keeps the contract only. */
  readonly kind: "faithful" | "stand-in";
  /** What it is built from. */
  readonly source: string;
  /** How it differs from the pinned upstream image, when it does. */
  readonly difference?: string;
  /** Dockerfile, relative to the repository root. */
  readonly dockerfile: string;
  readonly args?: Readonly<Record<string, string>>;
  readonly files: readonly ContextFile[];
  /** Images of this list it is built on or contains: built first. */
  readonly needs: readonly string[];
  /**
   * The upstream Dockerfile a faithful image follows, in its Go module: test/kind/images.test.ts checks the
   * built image's entrypoint, cmd, user, ports, working directory and volumes against its final stage.
   */
  readonly upstream?: { readonly module: string; readonly version: string; readonly path: string };
}

const df = (name: string) => `tools/images/dockerfiles/${name}.Dockerfile`;
const k8s: string = goTools.kubernetes.version;
const pinnedK8s: string = kubernetes.version;
const debian = "debian";
const k8sDifference =
  k8s === pinnedK8s
    ? undefined
    : `${k8s}, not the pinned ${pinnedK8s}: the Go proxy serves no k8s.io/kube-controller-manager v0.${pinnedK8s.slice(3)} (goTools.kubernetes)`;

/** The references kubeadm of this Kubernetes pulls for its control plane. */
const kubeRef = (component: string): string => imageString({ registry: "registry.k8s.io", repository: component, tag: k8s });

function kubeImage(component: string): ImageSpec {
  const proxy = component === "kube-proxy";
  return {
    name: component,
    reference: kubeRef(component),
    kind: "faithful",
    source: `k8s.io/kubernetes ${k8s} (tool cache)`,
    ...(k8sDifference ? { difference: k8sDifference } : {}),
    dockerfile: df(proxy ? "kube-proxy" : "kube-component"),
    ...(proxy ? {} : { args: { BINARY: component } }),
    files: [{ tool: "kubernetes", version: k8s, binary: component }],
    needs: proxy ? [debian] : [],
  };
}

const ref = (image: ImageRef) => imageString(image);
const n = kindNodeImages;

/** The kindest/node tag: the Kubernetes version that was actually built. */
/** The images the node image imports into its containerd, so a cluster starts without pulling. */
const preloaded = [
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kube-proxy",
  "etcd",
  "coredns",
  "pause",
  "kindnetd",
  "local-path-provisioner",
  "local-path-helper",
];

export const kindNodeReference = imageString({ registry: "docker.io", repository: "kindest/node", tag: k8s });

/** Every image a Kind node of cliTools.kind needs, in build order. */
export const kindImages: readonly ImageSpec[] = [
  {
    name: debian,
    reference: "docker.io/library/debian:bookworm-slim",
    kind: "faithful",
    source: "debootstrap --variant=minbase bookworm from the Debian mirror (tools/images/debian.ts)",
    dockerfile: "",
    files: [],
    needs: [],
  },
  kubeImage("kube-apiserver"),
  kubeImage("kube-controller-manager"),
  kubeImage("kube-scheduler"),
  kubeImage("kube-proxy"),
  {
    name: "etcd",
    reference: ref(n.etcd.image),
    kind: "faithful",
    source: `go.etcd.io/etcd ${n.etcd.source}`,
    difference: "no migrate helper (kubeadm runs etcd directly)",
    dockerfile: df("etcd"),
    files: [
      { tool: "etcd-image", version: n.etcd.source, binary: etcdImageBinaries.etcd, as: "etcd" },
      { tool: "etcd-image", version: n.etcd.source, binary: etcdImageBinaries.etcdctl, as: "etcdctl" },
    ],
    needs: [debian],
  },
  {
    name: "coredns",
    reference: ref(n.coredns.image),
    kind: "faithful",
    source: `github.com/coredns/coredns ${n.coredns.source}`,
    dockerfile: df("coredns"),
    files: [{ tool: "coredns", version: n.coredns.source, binary: "coredns" }],
    needs: [debian],
  },
  {
    name: "pause",
    reference: ref(n.pause.image),
    kind: "faithful",
    source: `build/pause/linux/pause.c of k8s.io/kubernetes ${k8s}, gcc -static`,
    dockerfile: df("pause"),
    files: [{ pause: n.pause.source, as: "pause" }],
    needs: [],
  },
  {
    name: "kindnetd",
    reference: ref(n.kindnetd.image),
    kind: "stand-in",
    source: "tools/images/dockerfiles/kindnetd.sh on Debian (iptables, curl, jq)",
    difference:
      "kindnet's source is served by no registry here. The stand-in writes the node's CNI config and the masquerade rule; no routes to other nodes' pod CIDRs (one node only), no NetworkPolicy enforcement, no NRI plugin",
    dockerfile: df("kindnetd"),
    files: [{ repo: "tools/images/dockerfiles/kindnetd.sh", as: "kindnetd.sh" }],
    needs: [debian],
  },
  {
    name: "local-path-provisioner",
    reference: ref(n.localPathProvisioner.image),
    kind: "faithful",
    source: `github.com/rancher/local-path-provisioner ${n.localPathProvisioner.source}`,
    dockerfile: df("local-path-provisioner"),
    files: [{ tool: "local-path-provisioner", version: n.localPathProvisioner.source, binary: "local-path-provisioner" }],
    needs: [debian],
  },
  {
    name: "local-path-helper",
    reference: ref(n.localPathHelper.image),
    kind: "faithful",
    source: "Debian bookworm (dash, coreutils)",
    difference: "a slim Debian rootfs rather than kind's distroless/static with staged binaries: same programs, larger",
    dockerfile: df("local-path-helper"),
    files: [],
    needs: [debian],
  },
  {
    name: "kind-base",
    reference: `localhost/stackwave/kind-base:${cliTools.kind}`,
    kind: "faithful",
    source: `kind ${cliTools.kind} images/base (files/ from its module), containerd, runc and CNI plugins from Debian, crictl ${kindBaseTools.crictl.version}`,
    difference: `containerd 1.6 and runc 1.1 (Debian 12) instead of 2.1.4 and 1.3.0; crictl ${kindBaseTools.crictl.version} instead of ${kindBaseTools.crictl.pinned} (not served); no fuse-overlayfs snapshotter (rootless only)`,
    dockerfile: "tools/kind/node/base.Dockerfile",
    files: [
      { module: "sigs.k8s.io/kind", version: cliTools.kind, path: "images/base/files", as: "files" },
      { tool: "crictl", version: kindBaseTools.crictl.version, binary: "crictl" },
    ],
    needs: [debian],
  },
  {
    name: "kind-node",
    reference: kindNodeReference,
    kind: "faithful",
    source: `kind ${cliTools.kind} node-image layout: Kubernetes ${k8s} binaries and the images above preloaded`,
    ...(k8sDifference
      ? {
          difference: `${k8sDifference}; the generated kind-config.yaml names ${imageString({ registry: "docker.io", repository: "kindest/node", tag: pinnedK8s })}, the harness passes --image`,
        }
      : {}),
    dockerfile: "tools/kind/node/node.Dockerfile",
    args: { KUBERNETES_VERSION: k8s },
    files: [
      { tool: "kubernetes", version: k8s, binary: "kubeadm" },
      { tool: "kubernetes", version: k8s, binary: "kubelet" },
      { tool: "kubernetes", version: k8s, binary: "kubectl" },
      { kindManifests: "manifests" },
      {
        images: [...preloaded],
      },
    ],
    needs: ["kind-base", ...preloaded],
  },
];

/** Every image: the Kind node's, the policy enforcer, the stack's and Argo CD's, then the stand-ins. Names are unique. */
export const allImages: readonly ImageSpec[] = [...kindImages, policyImage, ...stackImages, registryImage, ...standInImages];

/** The spec called `name`; throws naming the known ones. */
export function imageSpec(name: string, list: readonly ImageSpec[] = allImages): ImageSpec {
  const spec = list.find((s) => s.name === name);
  if (!spec) throw new Error(`unknown image "${name}"; expected one of: ${list.map((s) => s.name).join(", ")}`);
  return spec;
}
