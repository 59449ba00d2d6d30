// What a layer module provides: the objects of its base, and what each environment adds on top.
import type { EnvironmentConfig, LayerName, StackConfig } from "./config.js";
import type { Generated, GeneratedPatches } from "./model.js";

/** What an environment's overlay adds to a layer's base. */
export interface OverlayParts {
  /** Extra objects, such as PodDisruptionBudgets. */
  readonly resources: readonly Generated[];
  /** Strategic-merge patches, such as retention or CR replicas. */
  readonly patches: readonly GeneratedPatches[];
  /** Replica counts for Deployments and StatefulSets, by name. */
  readonly replicas: readonly { readonly name: string; readonly count: number }[];
}

export const noOverlay: OverlayParts = { resources: [], patches: [], replicas: [] };

export interface Layer {
  readonly name: LayerName;
  /** The objects of base/<layer>/, grouped by the component that built them. */
  base(config: StackConfig): readonly Generated[];
  /**
   * Objects kept in a sub-base base/<layer>/<dir>/ that the layer's base includes, so a cluster can
   * use them alone (the CRD layer's namespaces, when a cluster takes the CRDs from a mirror).
   */
  subBases?(config: StackConfig): Readonly<Record<string, readonly Generated[]>>;
  /** Upstream files the base references by URL instead of committing them. */
  remote?(config: StackConfig): readonly string[];
  /** What overlays/<env>/<layer>/ adds. */
  overlay(config: StackConfig, env: EnvironmentConfig): OverlayParts;
  /**
   * false for a layer of cluster-wide objects that are the same in every environment (the CRDs and the
   * namespaces): its overlays then carry no `stackwave.dev/environment` label, and, being identical,
   * kustomize builds them once (tools/dev/kustomize.ts keys builds by content). Default true.
   */
  readonly environmentLabel?: boolean;
}
