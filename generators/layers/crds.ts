// Wave 0: the prometheus-operator CRDs (referenced upstream at the pinned release) and the namespaces.
import { namespaces } from "../components/namespaces.js";
import type { Layer } from "../layer.js";
import { noOverlay } from "../layer.js";
import { prometheusOperator } from "../versions.js";

/** The CRD files of prometheus-operator's example/prometheus-operator-crd, one per kind. */
export const crdFiles = [
  "alertmanagerconfigs",
  "alertmanagers",
  "podmonitors",
  "probes",
  "prometheusagents",
  "prometheuses",
  "prometheusrules",
  "scrapeconfigs",
  "servicemonitors",
  "thanosrulers",
].map((plural) => `monitoring.coreos.com_${plural}.yaml`);

/** The object name of the CRD in each of crdFiles: `<plural>.<group>`. */
export const crdNames = crdFiles.map((file) => {
  const [group, plural] = file.replace(/\.yaml$/, "").split("_");
  return `${plural}.${group}`;
});

export const crds: Layer = {
  name: "crds",
  base: () => [],
  subBases: (config) => ({ namespaces: [namespaces(config)] }),
  remote: (config) => crdFiles.map((file) => prometheusOperator.crdURL(config.versions.prometheusOperator, file)),
  overlay: () => noOverlay,
  // CRDs and namespaces are cluster-wide: the same objects whichever environment a cluster runs.
  environmentLabel: false,
};
