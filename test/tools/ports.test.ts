// Port leases (tools/sim/ports.ts): what the programs that cannot bind :0 are told to listen on.
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cacheDir } from "../../tools/cache/dirs.js";
import { leasePorts } from "../../tools/sim/ports.js";

const ephemeralStart = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
const lockFile = (port: number) => join(cacheDir, "ports", `${port}.lock`);

describe("GIVEN three leased ports", () => {
  it("WHEN held THEN they are distinct, below the kernel's ephemeral range, locked by this process and free for the caller to bind", async () => {
    const leases = await leasePorts(3);
    try {
      const ports = leases.map((l) => l.port);
      expect(new Set(ports).size).toBe(3);
      for (const port of ports) {
        expect(port).toBeLessThan(ephemeralStart);
        expect(readFileSync(lockFile(port), "utf8")).toBe(String(process.pid));
        const server = createServer();
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen({ port, host: "127.0.0.1", exclusive: true }, resolve);
        });
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    } finally {
      for (const lease of leases) lease.release();
    }
  });

  it("WHEN released THEN the lock is gone, and a second release is harmless", async () => {
    const [lease] = await leasePorts(1);
    expect(existsSync(lockFile(lease!.port))).toBe(true);
    lease!.release();
    lease!.release();
    expect(existsSync(lockFile(lease!.port))).toBe(false);
  });
});
