// The engine's vocabulary: typed objects, the components that build them, and where each came from.
import { fileURLToPath } from "node:url";
import { relative } from "node:path";
import { repoRoot } from "./paths.js";

/** A Kubernetes object built with kubernetes-models (or a typed class with the same contract). */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string } | undefined;
  validate(): void;
  toJSON(): unknown;
}

/** What a component produced, tagged with the function and file that produced it (for file headers). */
export interface Generated {
  readonly generator: string;
  readonly source: string;
  readonly objects: readonly K8sObject[];
}

/** A component: a named pure function from its arguments to objects, bound to its source file. */
export type Component<A extends unknown[]> = ((...args: A) => Generated) & { readonly generatorName: string };

/**
 * Wraps a pure builder so its output carries `name()` and its file, e.g.
 * `export const grafana = component(import.meta.url, "grafana", function grafana(config) { ... })`.
 * The name is given as a string because transpilers may rename functions (vitest's does).
 */
export function component<A extends unknown[]>(moduleURL: string, name: string, build: (...args: A) => readonly K8sObject[]): Component<A> {
  const source = relative(repoRoot, fileURLToPath(moduleURL));
  const run = (...args: A): Generated => ({ generator: name, source, objects: build(...args) });
  return Object.assign(run, { generatorName: name });
}

/** A strategic-merge patch of one object, written beside an overlay's kustomization. */
export interface Patch {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly [field: string]: unknown;
}

/** Patches produced by one function, tagged like Generated. */
export interface GeneratedPatches {
  readonly generator: string;
  readonly source: string;
  readonly patches: readonly Patch[];
}

/** Like `component`, for overlay patch builders. */
export function patches<A extends unknown[]>(
  moduleURL: string,
  name: string,
  build: (...args: A) => readonly Patch[],
): (...args: A) => GeneratedPatches {
  const source = relative(repoRoot, fileURLToPath(moduleURL));
  return (...args: A) => ({ generator: name, source, patches: build(...args) });
}
