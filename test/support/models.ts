// Looks up the kubernetes-models class for a rendered object, so tests validate what kustomize built.
const packages: Record<string, string> = {
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
  "argoproj.io": "@kubernetes-models/argo-cd",
};

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** Validates `object` against the schema of its apiVersion and kind; throws naming the object. */
export async function validateObject(object: { apiVersion: string; kind: string; metadata?: { name?: string } }): Promise<void> {
  const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["", object.apiVersion];
  const pkg = packages[group!] ?? "kubernetes-models";
  const path = group ? `${pkg}/${group}/${version}` : `${pkg}/${version}`;
  const module = (await import(path)) as Record<string, ModelClass | undefined>;
  const Class = module[object.kind];
  if (!Class) throw new Error(`no model for ${object.apiVersion} ${object.kind}`);
  try {
    new Class(object).validate();
  } catch (error) {
    throw new Error(`${object.kind}/${object.metadata?.name}: ${(error as Error).message}`);
  }
}

/** Kinds that live outside namespaces (the ones stackwave creates or could). */
export const clusterScoped = new Set([
  "Namespace",
  "CustomResourceDefinition",
  "ClusterRole",
  "ClusterRoleBinding",
  "PersistentVolume",
  "StorageClass",
  "PriorityClass",
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
  "APIService",
]);
