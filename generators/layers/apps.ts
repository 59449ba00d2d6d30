// Wave 4: the guestbook.
import { guestbook } from "../components/guestbook.js";
import type { Layer } from "../layer.js";

export const apps: Layer = {
  name: "apps",
  base: (config) => [guestbook(config)],
  overlay: (_config, env) => ({
    resources: [],
    patches: [],
    replicas: [
      { name: "backend", count: env.replicas.backend },
      { name: "frontend", count: env.replicas.frontend },
    ],
  }),
};
