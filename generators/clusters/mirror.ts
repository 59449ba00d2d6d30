// The image mirror of a Kind cluster: every upstream registry the cluster pulls from is pulled through the
// local registry first. containerd on each node reads one certs.d/<registry>/hosts.toml per registry
// (kind's local-registry guide, extended to every registry); the local registry keeps each upstream under a
// path prefix, `<upstream>/<repository>`, so one registry holds them all.
import type { ClusterConfig, MirrorConfig, StackConfig } from "../config.js";
import { argocd, imageString, localRegistry, type ImageName, type ImageRef } from "../versions.js";

/** Where containerd looks for hosts.toml files (the kind config's config_path patch names it). */
export const certsDir = "/etc/containerd/certs.d";

/** How nodes reach the registry container: by name on the `kind` network, on its container port. */
export const mirrorEndpoint = `http://${localRegistry.containerName}:5000`;

/**
 * Where a registry answers when no mirror has the image. docker.io is the one registry whose API host
 * differs from its name (containerd's own default says the same).
 */
export function upstreamServer(registry: string): string {
  return registry === "docker.io" ? "https://registry-1.docker.io" : `https://${registry}`;
}

/**
 * The hosts.toml for one upstream registry. The mirror host comes first with the path prefix and
 * override_path, so containerd asks `/v2/<registry>/<repository>/manifests/<tag>` of the local registry;
 * `server` stays the upstream, which containerd tries only when the mirror lacks the image.
 */
export function hostsToml(registry: string, endpoint: string = mirrorEndpoint): string {
  return [
    `# Written by stackwave bootstrap (generators/clusters/mirror.ts): pulls of ${registry}/* try the local registry first.`,
    `server = "${upstreamServer(registry)}"`,
    "",
    `[host."${endpoint}/v2/${registry}"]`,
    `  capabilities = ["pull", "resolve"]`,
    `  override_path = true`,
    "",
  ].join("\n");
}

/** The hosts.toml of the local registry itself: pulls of localhost:5001/* (our own images) go to the container. */
export function localHostsToml(endpoint: string = mirrorEndpoint): string {
  return `# Written by stackwave bootstrap: pulls of ${localRegistry.host}/* go to the registry container.\n[host."${endpoint}"]\n`;
}

/** A hosts.toml for one registry: the folder name under certs.d and the file's text. */
export interface HostsFile {
  readonly registry: string;
  readonly toml: string;
}

/**
 * The hosts.toml files of a cluster: the local registry's own, then one per mirrored registry. `endpoint` is
 * how nodes reach the registry; tests pass their own container's.
 */
export function hostsFiles(mirror: MirrorConfig | undefined, endpoint: string = mirrorEndpoint): HostsFile[] {
  return [
    { registry: localRegistry.host, toml: localHostsToml(endpoint) },
    ...(mirror?.registries ?? []).map((registry) => ({ registry, toml: hostsToml(registry, endpoint) })),
  ];
}

/**
 * A POSIX sh script that writes every file under `dir`, for `docker exec -i <node> sh -s`: one exec per node
 * however many registries. Quoted here-documents keep the text byte for byte.
 */
export function hostsScript(files: readonly HostsFile[], dir: string = certsDir): string {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    "set -e",
    ...files.flatMap(({ registry, toml }) => [
      `mkdir -p ${quote(`${dir}/${registry}`)}`,
      `cat > ${quote(`${dir}/${registry}/hosts.toml`)} <<'STACKWAVE_HOSTS_TOML'`,
      toml.replace(/\n$/, ""),
      "STACKWAVE_HOSTS_TOML",
    ]),
    "",
  ].join("\n");
}

/** Images that no node pulls: the node image (Docker runs it), the base of our Dockerfiles, and our own images. */
const notPulled: readonly ImageName[] = ["kindNode", "node"];

/** Parses `registry/repository:tag`; the registry is the part before the first slash. */
export function parseReference(reference: string): ImageRef {
  const match = /^([^/]+)\/(.+):([^:/]+)$/.exec(reference);
  if (!match || !/[.:]/.test(match[1]!) || match[1] !== match[1]!.toLowerCase())
    throw new Error(`image reference "${reference}": expected registry/repository:tag with a registry host such as quay.io`);
  return { registry: match[1]!, repository: match[2]!, tag: match[3]! };
}

/**
 * Every image the cluster's nodes pull from an upstream registry: the stack's images from the config and what
 * the argo-cd chart renders with our values (argocd.image at the pinned version plus argocd.chartImages).
 * test/mirror/images.test.ts checks this against the rendered overlays and the chart.
 */
export function pulledImageRefs(config: StackConfig): ImageRef[] {
  const ours = (image: ImageRef) => image.registry === localRegistry.host;
  const stack = (Object.entries(config.images) as [ImageName, ImageRef][])
    .filter(([name, image]) => !notPulled.includes(name) && !ours(image))
    .map(([, image]) => image);
  return [...stack, { ...argocd.image, tag: config.versions.argocd }, ...argocd.chartImages];
}

/** pulledImageRefs as references, sorted and without repeats. */
export function pulledImages(config: StackConfig): string[] {
  return [...new Set(pulledImageRefs(config).map(imageString))].sort();
}

/** Where the mirror keeps an upstream image: `<host>/<registry>/<repository>:<tag>`. */
export function mirrorReference(reference: string, host: string = localRegistry.host): string {
  const image = parseReference(reference);
  return `${host}/${image.registry}/${image.repository}:${image.tag}`;
}

/** The registries the given images name, sorted. */
export function registriesOf(references: readonly string[]): string[] {
  return [...new Set(references.map((r) => parseReference(r).registry))].sort();
}

/** The generated description of a cluster's mirror (clusters/<name>/registry-mirror.yaml). */
export class RegistryMirror {
  readonly apiVersion = "stackwave.dev/v1";
  readonly kind = "RegistryMirror";
  constructor(
    readonly cluster: string,
    readonly mirror: MirrorConfig,
    readonly images: readonly string[],
  ) {}

  /** Every pulled image must name a mirrored registry, or a node would still reach out for it. */
  validate(): void {
    const missing = registriesOf(this.images).filter((r) => !this.mirror.registries.includes(r));
    if (missing.length)
      throw new Error(
        `clusters.${this.cluster}.mirror.registries: expected every registry the cluster pulls from (${missing.join(", ")} missing), got ${this.mirror.registries.join(", ")}`,
      );
  }

  toJSON(): object {
    return {
      apiVersion: this.apiVersion,
      kind: this.kind,
      metadata: { name: this.cluster },
      spec: {
        offline: this.mirror.offline,
        registry: { container: localRegistry.containerName, endpoint: mirrorEndpoint, host: localRegistry.host },
        hosts: Object.fromEntries(this.mirror.registries.map((r) => [`${certsDir}/${r}/hosts.toml`, hostsToml(r)])),
        images: this.images.map((reference) => ({ reference, mirror: mirrorReference(reference) })),
      },
    };
  }
}

export function registryMirror(config: StackConfig, cluster: ClusterConfig & { readonly mirror: MirrorConfig }): RegistryMirror {
  return new RegistryMirror(cluster.name, cluster.mirror, pulledImages(config));
}
