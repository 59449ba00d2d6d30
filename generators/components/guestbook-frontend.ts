import type { StackConfig } from "../config.js";
import { component } from "../model.js";
import { nodePorts } from "../stack.js";
import { names, servicePort, webApp } from "./guestbook.js";

/** The guestbook page: the public entry, a NodePort that Kind maps to the host's guestbook port. */
export const guestbookFrontend = component(import.meta.url, "guestbookFrontend", function guestbookFrontend(config: StackConfig) {
  return webApp({
    name: names.frontend,
    image: config.images.guestbookFrontend,
    env: [{ name: "GUESTBOOK_API_ADDR", value: `${names.backend}:${servicePort}` }],
    nodePort: nodePorts.guestbook,
  });
});
