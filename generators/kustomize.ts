// Kustomization objects: typed, validated, and the only way a kustomization.yaml is made.

/** `images:` entry of a kustomization: rewrites a container image's name and tag. */
export interface ImageOverride {
  readonly name: string;
  readonly newName?: string;
  readonly newTag: string;
}

export interface KustomizationSpec {
  readonly resources: readonly string[];
  readonly patches?: readonly { readonly path: string }[];
  readonly replicas?: readonly { readonly name: string; readonly count: number }[];
  readonly images?: readonly ImageOverride[];
  readonly labels?: readonly { readonly pairs: Readonly<Record<string, string>>; readonly includeSelectors: boolean }[];
}

/** kustomize.config.k8s.io/v1beta1 Kustomization, with the same validate()/toJSON() contract as the models. */
export class Kustomization {
  readonly apiVersion = "kustomize.config.k8s.io/v1beta1";
  readonly kind = "Kustomization";
  constructor(readonly spec: KustomizationSpec) {}

  validate(): void {
    const { resources, replicas = [], images = [] } = this.spec;
    if (resources.length === 0) throw new Error("Kustomization.resources: expected at least one resource");
    if (new Set(resources).size !== resources.length)
      throw new Error(`Kustomization.resources: expected no duplicates, got ${resources.join(", ")}`);
    for (const r of replicas)
      if (!Number.isInteger(r.count) || r.count < 0)
        throw new Error(`Kustomization.replicas[${r.name}].count: expected an integer ≥ 0, got ${r.count}`);
    for (const i of images)
      if (!i.newTag || i.newTag === "latest")
        throw new Error(`Kustomization.images[${i.name}].newTag: expected a pinned tag, got ${i.newTag}`);
  }

  toJSON(): object {
    const { resources, patches, replicas, images, labels } = this.spec;
    const nonEmpty = <T>(list: readonly T[] | undefined) => (list && list.length > 0 ? list : undefined);
    return {
      apiVersion: this.apiVersion,
      kind: this.kind,
      resources,
      labels: nonEmpty(labels),
      patches: nonEmpty(patches),
      replicas: nonEmpty(replicas),
      images: nonEmpty(images),
    };
  }
}
