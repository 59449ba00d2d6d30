// What the mirror must hold for a cluster, and what it may hold besides: the images the cluster's nodes pull
// (generators/clusters/mirror.ts, from the config and the chart) and every other pinned image of
// tools/images/list.ts that a node could pull, such as the node's preloaded ones.
import type { ClusterConfig, StackConfig } from "../../generators/config.js";
import { parseReference, pulledImages } from "../../generators/clusters/mirror.js";
import { imageString, localRegistry, mirroredRegistries } from "../../generators/versions.js";
import { allImages, kindNodeReference, type ImageSpec } from "../images/list.js";

export interface MirrorImage {
  /** The exact upstream reference, e.g. quay.io/prometheus/prometheus:v3.5.0. */
  readonly reference: string;
  /** true: a node of the cluster pulls it, so the mirror must hold it. false: pushed when there, never required. */
  readonly required: boolean;
  /** Whether tools/images/list.ts names it (so the Kind harness can build it offline). */
  readonly listed: boolean;
}

/** References of the list that a node could pull from a mirrored registry: not the node image, nothing under localhost. */
export function listedPullable(list: readonly ImageSpec[], registries: readonly string[]): string[] {
  return list
    .map((spec) => spec.reference)
    .filter((reference) => reference !== kindNodeReference && !reference.startsWith("localhost/"))
    .filter((reference) => registries.includes(parseReference(reference).registry));
}

/** The mirror's images for a cluster: the required ones first, then the optional ones, each group sorted. */
export function mirrorImages(config: StackConfig, cluster: ClusterConfig, list: readonly ImageSpec[] = allImages): MirrorImage[] {
  const registries = cluster.mirror?.registries ?? mirroredRegistries;
  const listed = new Set(listedPullable(list, registries));
  const required = pulledImages(config);
  const optional = [...listed].filter((r) => !required.includes(r)).sort();
  return [
    ...required.map((reference) => ({ reference, required: true, listed: listed.has(reference) })),
    ...optional.map((reference) => ({ reference, required: false, listed: true })),
  ];
}

/**
 * What a bundle carries besides the mirror's images: the registry image and the node image, which the local
 * Docker runs itself. Both node references when the list builds another tag than the config names.
 */
export function dockerImages(config: StackConfig): string[] {
  return [...new Set([imageString(localRegistry.image), imageString(config.images.kindNode), kindNodeReference])];
}
