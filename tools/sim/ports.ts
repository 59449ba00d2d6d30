// Loopback ports for programs that must be told their port before they start (the ones that cannot
// bind :0 and report it). A port is leased, not just found: between the lease and the program's own
// bind nobody else may take it.
// - The kernel never hands it out: leases come from below the ephemeral range, which outgoing
//   connections and :0 binds draw from (/proc/sys/net/ipv4/ip_local_port_range).
// - No other stackwave process hands it out: each lease is a lock file (created exclusively, holding
//   the owner's pid) in the cache, kept until release() or the owner's exit; a dead owner's lock is stale.
// - It is free when leased: a bind test on 127.0.0.1 must succeed first.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { cacheDir } from "../cache/dirs.js";

/** A port reserved for one caller until it releases it (once its program listens, or when it stops). */
export interface PortLease {
  readonly port: number;
  /** Ends the lease; idempotent. */
  release(): void;
}

const lockDir = join(cacheDir, "ports");
/** Lowest port leased: above the well-known and registered ports local tools tend to use. */
const floor = 20_000;

/** The first port of the kernel's ephemeral range (32768 when it cannot be read). */
function ephemeralStart(): number {
  try {
    const first = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > floor + 1000 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const held = new Set<string>();
process.once("exit", () => {
  for (const file of held) rmSync(file, { force: true });
});

/** Takes the lock file of `port` and returns its path; undefined when a live owner holds it. */
function lock(port: number): string | undefined {
  const file = join(lockDir, `${port}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx" });
      held.add(file);
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(readFileSync(file, "utf8").trim() || "0");
      if (owner > 0 && alive(owner)) return undefined;
      rmSync(file, { force: true }); // stale: its owner died without releasing
    }
  }
  return undefined;
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Leases a free loopback port below the ephemeral range (see the top of this file). */
export async function leasePort(): Promise<PortLease> {
  mkdirSync(lockDir, { recursive: true });
  const span = ephemeralStart() - floor;
  for (let tries = 0; tries < 200; tries++) {
    const port = floor + Math.floor(Math.random() * span);
    const file = lock(port);
    if (!file) continue;
    if (await bindable(port)) {
      return {
        port,
        release: () => {
          if (held.delete(file)) rmSync(file, { force: true });
        },
      };
    }
    held.delete(file);
    rmSync(file, { force: true });
  }
  throw new Error(`no free loopback port between ${floor} and ${ephemeralStart()} after 200 tries`);
}

/** `count` distinct leased ports. */
export async function leasePorts(count: number): Promise<PortLease[]> {
  const leases: PortLease[] = [];
  while (leases.length < count) leases.push(await leasePort());
  return leases;
}
