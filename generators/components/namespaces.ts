import { Namespace } from "kubernetes-models/v1/Namespace";
import type { StackConfig } from "../config.js";
import { component } from "../model.js";

/**
 * One Namespace per distinct layer namespace. They live in the first wave (like kube-prometheus'
 * setup/) because the `apps` project may not create cluster-scoped objects, and bootstrap puts
 * Secrets into them before the later waves run.
 *
 * They sync in wave 1 inside the crds Application, after the CRDs (wave 0 there), so that sync ends only
 * once every CRD is Established. Otherwise it ends while new CRDs still report "not established", Argo CD
 * marks the layer Degraded, and a CRD's status change does not refresh it until the next poll (3 minutes).
 */
export const namespaces = component(import.meta.url, "namespaces", function namespaces(config: StackConfig) {
  const names = [...new Set(config.layers.map((l) => l.namespace))].sort();
  return names.map(
    (name) =>
      new Namespace({
        metadata: {
          name,
          annotations: { "argocd.argoproj.io/sync-wave": "1" },
          labels: {
            "app.kubernetes.io/part-of": "stackwave",
            "pod-security.kubernetes.io/enforce": name === "monitoring" ? "privileged" : "restricted",
          },
        },
      }),
  );
});
