import type { StackConfig } from "../config.js";
import { component } from "../model.js";
import { credentials, mongodbPort, names, secretEnv, webApp } from "./guestbook.js";

/** Database the backend keeps its messages in; the root user authenticates against `admin`. */
const database = "guestbook";

/**
 * The guestbook API. It reaches MongoDB through the `mongodb` Service with the root credentials from
 * the bootstrap Secret. They reach the driver as their own variables, not inside MONGODB_URI, so a
 * password may hold any character (`@ : / ? # %` would break a connection string) and none is written here.
 */
export const guestbookBackend = component(import.meta.url, "guestbookBackend", function guestbookBackend(config: StackConfig) {
  const address = `${names.mongodb}:${mongodbPort}`;
  return webApp({
    name: names.backend,
    image: config.images.guestbookBackend,
    env: [
      { name: "GUESTBOOK_DB_ADDR", value: address },
      secretEnv("MONGODB_USERNAME", credentials.usernameKey),
      secretEnv("MONGODB_PASSWORD", credentials.passwordKey),
      { name: "MONGODB_URI", value: `mongodb://${address}/${database}?authSource=admin` },
    ],
  });
});
