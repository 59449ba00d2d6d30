// Wave 1: prometheus-operator, which must be running before any monitoring CR is created.
import { prometheusOperator } from "../components/prometheus-operator.js";
import type { Layer } from "../layer.js";

export const operator: Layer = {
  name: "operator",
  base: (config) => [prometheusOperator(config)],
  // One replica everywhere (validate.ts caps it at 1): the operator has no leader election here, so no PDB.
  overlay: (_config, env) => ({
    resources: [],
    patches: [],
    replicas: [{ name: "prometheus-operator", count: env.replicas.prometheusOperator }],
  }),
};
