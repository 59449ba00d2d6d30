// Wave 3: what Prometheus scrapes and evaluates.
import { appMonitors } from "../components/app-monitors.js";
import { appRules } from "../components/app-rules.js";
import { controlPlane } from "../components/control-plane.js";
import { platformRules } from "../components/platform-rules.js";
import { stackMonitors } from "../components/stack-monitors.js";
import type { Layer } from "../layer.js";
import { noOverlay } from "../layer.js";

export const monitors: Layer = {
  name: "monitors",
  base: () => [platformRules(), appRules(), controlPlane(), stackMonitors(), appMonitors()],
  overlay: () => noOverlay,
};
