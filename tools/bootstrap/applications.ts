// The Argo CD Applications bootstrap applies and waits for, read from the generator that writes
// clusters/<cluster>/apps. Loaded lazily: the models behind it take seconds to import, and preflight should
// answer before that.
import type { ClusterConfig, StackConfig } from "../../generators/config.js";

/** What bootstrap needs to know about the app-of-apps. */
export interface ArgoApps {
  /** Name of the root Application. */
  readonly root: string;
  /** Files bootstrap applies after Helm, in order (the root's AppProject, then the root Application). */
  readonly bootstrapFiles: readonly string[];
  /** The child Applications the root creates, with their sync waves, in wave order. */
  readonly children: readonly { readonly name: string; readonly wave: number }[];
}

export async function loadApplications(config: StackConfig, cluster: ClusterConfig): Promise<ArgoApps> {
  const { clusterApplications, rootApplication, rootBootstrapFiles } = await import("../../generators/clusters/applications.js");
  const meta = (o: { metadata?: unknown }) => o.metadata as { name: string; annotations?: Record<string, string> };
  const children = clusterApplications(config, cluster)
    .objects.filter((o) => o.kind === "Application")
    .map((o) => ({ name: meta(o).name, wave: Number(meta(o).annotations?.["argocd.argoproj.io/sync-wave"] ?? 0) }))
    .sort((a, b) => a.wave - b.wave || a.name.localeCompare(b.name));
  return { root: meta(rootApplication(config, cluster).objects[0]!).name, bootstrapFiles: rootBootstrapFiles(cluster), children };
}
