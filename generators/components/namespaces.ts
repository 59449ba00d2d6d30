import { Namespace } from "kubernetes-models/v1/Namespace";
import type { StackConfig } from "../config.js";
import { component } from "../model.js";

/**
 * One Namespace per distinct layer namespace. They live in the first wave (like kube-prometheus'
 * setup/) because the `apps` project may not create cluster-scoped objects, and bootstrap puts
 * Secrets into them before the later waves run.
 */
export const namespaces = component(import.meta.url, "namespaces", function namespaces(config: StackConfig) {
  const names = [...new Set(config.layers.map((l) => l.namespace))].sort();
  return names.map(
    (name) =>
      new Namespace({
        metadata: {
          name,
          labels: {
            "app.kubernetes.io/part-of": "stackwave",
            "pod-security.kubernetes.io/enforce": name === "monitoring" ? "privileged" : "restricted",
          },
        },
      }),
  );
});
