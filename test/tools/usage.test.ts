import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { cpuSeconds } from "../../tools/sim/usage.js";

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

/**
 * A detached group whose leader forks a child that spins for `ms`, exits and is reaped, then idles;
 * resolves with its pid once the leader says the child is reaped.
 */
async function group(ms: number): Promise<number> {
  const child = spawn(
    process.execPath,
    [
      "-e",
      `const { spawnSync } = require("node:child_process");
       spawnSync(process.execPath, ["-e", "const t = Date.now(); while (Date.now() - t < ${ms});"]);
       console.log("spun");
       setInterval(() => {}, 1000);`,
    ],
    { detached: true, stdio: ["ignore", "pipe", "ignore"] },
  );
  started.push(child.pid!);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`the test group exited with ${code}`)));
  });
  return child.pid!;
}

describe("cpuSeconds", () => {
  it("counts the CPU a group's reaped child used, and stays put while the group idles", async () => {
    const busy = await group(600);
    const after = cpuSeconds(busy);
    expect(after).toBeGreaterThanOrEqual(0.3);
    await new Promise((r) => setTimeout(r, 500));
    expect(cpuSeconds(busy) - after).toBeLessThan(0.1);
  });

  it("tells two groups apart", async () => {
    const busy = await group(600);
    const idle = await group(0);
    expect(cpuSeconds(idle)).toBeLessThan(cpuSeconds(busy) - 0.2);
  });

  it("names the group when none of its processes is left", () => {
    expect(() => cpuSeconds(2 ** 22 + 7)).toThrow(/no process in group 4194311/);
  });
});
