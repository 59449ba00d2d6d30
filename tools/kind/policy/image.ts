// The policy enforcer's image, joined into tools/images/list.ts's allImages so the harness builds it with
// the rest; clusters get it by `kind load` (tools/kind/policy/controller.ts), not in the node image.
import type { ImageSpec } from "../../images/list.js";
import { imageString, policyController } from "../../../generators/versions.js";

export const policyImage: ImageSpec = {
  name: "kube-router",
  reference: imageString(policyController.image),
  kind: "faithful",
  source: `${policyController.module} ${policyController.version} (tool cache)`,
  difference:
    "Debian bookworm instead of Alpine, iptables fixed to the nf_tables backend; no gobgp or CNI plugins (firewall only); nft added for the harness's service guard",
  dockerfile: "tools/kind/policy/kube-router.Dockerfile",
  files: [{ tool: "kube-router", version: policyController.version, binary: "kube-router" }],
  needs: ["debian"],
  upstream: { module: policyController.module, version: policyController.version, path: "Dockerfile" },
};
