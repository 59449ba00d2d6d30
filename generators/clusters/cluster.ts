// Everything under clusters/<cluster>/: kind config, Argo CD values, root app and child apps.
import type { ClusterConfig, StackConfig } from "../config.js";
import { Kustomization } from "../kustomize.js";
import { objectFiles, type FileSpec } from "../files.js";
import { clusterApplications, rootApplication } from "./applications.js";
import { argocdValues } from "./argocd.js";
import { kindCluster } from "./kind.js";
import { registryMirror } from "./mirror.js";

const source = "generators/clusters/cluster.ts";

export function clusterFiles(config: StackConfig, cluster: ClusterConfig): FileSpec[] {
  const dir = `clusters/${cluster.name}`;
  const apps = objectFiles(`${dir}/apps`, [clusterApplications(config, cluster)]);
  const kustomization = new Kustomization({ resources: apps.map((f) => f.path.slice(`${dir}/apps/`.length)).sort() });
  const kind: FileSpec[] =
    cluster.runtime === "kind"
      ? [{ path: `${dir}/kind-config.yaml`, generator: "kindCluster", source: "generators/clusters/kind.ts", value: kindCluster(config, cluster) }]
      : [];
  const mirror: FileSpec[] =
    cluster.runtime === "kind" && cluster.mirror
      ? [{ path: `${dir}/registry-mirror.yaml`, generator: "registryMirror", source: "generators/clusters/mirror.ts", value: registryMirror(config, { ...cluster, mirror: cluster.mirror }) }]
      : [];
  return [
    ...kind,
    ...mirror,
    { path: `${dir}/argocd-values.yaml`, generator: "argocdValues", source: "generators/clusters/argocd.ts", value: argocdValues(config, cluster) },
    ...objectFiles(dir, [rootApplication(config, cluster)]).map((f) => ({ ...f, path: `${dir}/root-app.yaml` })),
    ...apps,
    { path: `${dir}/apps/kustomization.yaml`, generator: "clusterFiles", source, value: kustomization },
  ];
}
