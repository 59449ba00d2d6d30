// Wave 3: what Prometheus scrapes and evaluates.
import { platformRules } from "../components/platform-rules.js";
import type { Layer } from "../layer.js";
import { noOverlay } from "../layer.js";

export const monitors: Layer = {
  name: "monitors",
  base: () => [platformRules()],
  overlay: () => noOverlay,
};
