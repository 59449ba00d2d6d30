// Every layer, in wave order. Adding a layer means adding it here and to config.ts' layerNames.
import type { Layer } from "./layer.js";
import { apps } from "./layers/apps.js";
import { crds } from "./layers/crds.js";
import { monitors } from "./layers/monitors.js";
import { operator } from "./layers/operator.js";
import { platform } from "./layers/platform.js";

export const allLayers: readonly Layer[] = [crds, operator, platform, monitors, apps];
