// Credentials reach the driver as their own options, so a password with `@ : / ? # %` works; a wrong one
// keeps the backend alive but not ready, saying why. FerretDB runs with authentication on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ferretdbBin, startFerretDb, type FerretDb } from "../support/ferretdb.js";
import { startService, type Service } from "../support/services.js";
import { postJson, ready, until } from "./fixture.js";

const username = "guestbook";
const password = "p@ss:/w?rd#50%";

describe.skipIf(!ferretdbBin)("GIVEN FerretDB with authentication and a password holding @ : / ? # %", () => {
  let db: FerretDb;
  const services: Service[] = [];
  beforeAll(async () => {
    db = await startFerretDb(ferretdbBin, {
      args: ["--test-enable-new-auth", "--setup-database=guestbook", `--setup-username=${username}`, `--setup-password=${password}`],
    });
  });
  afterAll(async () => {
    for (const service of services) await service.kill();
    await db?.dispose();
  });

  async function backend(secret: string): Promise<Service> {
    const service = await startService({
      app: "backend",
      env: {
        MONGODB_URI: `mongodb://${db.addr}/guestbook?authSource=guestbook`,
        MONGODB_USERNAME: username,
        MONGODB_PASSWORD: secret,
        GUESTBOOK_DB_RETRY_MS: "250",
      },
    });
    services.push(service);
    return service;
  }

  it("WHEN the backend gets them as MONGODB_USERNAME and MONGODB_PASSWORD THEN it becomes ready and stores a message", async () => {
    const service = await backend(password);
    await until("the backend is ready", () => ready(service.url), 60_000);
    const res = await postJson(service.url, { author: "Ada", message: "authenticated" });
    expect(res.status).toBe(201);
    expect(service.logs.some((line) => JSON.stringify(line).includes(password))).toBe(false);
  });

  it("WHEN the password is wrong THEN /readyz answers 503 naming the failed authentication while /healthz stays 200", async () => {
    const service = await backend("not-the-password");
    await until(
      "readiness reports the failed authentication",
      async () => {
        const res = await fetch(`${service.url}/readyz`);
        return res.status === 503 && /Authentication failed/i.test(((await res.json()) as { error: string }).error);
      },
      60_000,
    );
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    expect((await postJson(service.url, { author: "Ada", message: "refused" })).status).toBe(503);
  });

  it("WHEN the credentials are put inside MONGODB_URI THEN the backend refuses to start, naming the variable to use instead", async () => {
    const uri = `mongodb://${username}:${encodeURIComponent(password)}@${db.addr}/guestbook`;
    await expect(startService({ app: "backend", env: { MONGODB_URI: uri } })).rejects.toThrow(
      /MONGODB_URI: expected .* without credentials \(set MONGODB_USERNAME and MONGODB_PASSWORD\)/,
    );
  });
});
