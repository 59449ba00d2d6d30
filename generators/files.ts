// A generated file before printing, and how objects get their file names.
import type { Generated, K8sObject } from "./model.js";

/** A file before printing: its path, the value, and the function that produced it. */
export interface FileSpec {
  readonly path: string;
  readonly generator: string;
  readonly source: string;
  readonly value: { validate(): void; toJSON(): unknown };
}

/** `<name>-<kind>.yaml`, lower-case: readable and stable across reruns. */
export function fileName(object: K8sObject): string {
  const name = (object.metadata?.name ?? "unnamed").toLowerCase().replace(/[^a-z0-9.-]+/g, "-");
  return `${name}-${object.kind.toLowerCase()}.yaml`;
}

/** One file per object of each group, in `dir`. */
export function objectFiles(dir: string, groups: readonly Generated[]): FileSpec[] {
  return groups.flatMap((group) =>
    group.objects.map((value) => ({ path: `${dir}/${fileName(value)}`, generator: group.generator, source: group.source, value })),
  );
}
