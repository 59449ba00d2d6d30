// The pinned Prometheus and Alertmanager builds of the tool cache: findTool prefers them to Debian's
// older copies of the same names, they print the pinned version, and the server starts on loopback.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { repoRoot } from "../../generators/paths.js";
import { goTools } from "../../generators/versions.js";
import { toolDir } from "../../tools/cache/dirs.js";
import { leasePort } from "../../tools/sim/ports.js";
import { inCI } from "../support/tools.js";

const temps: string[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(
    children.splice(0).map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        }),
    ),
  );
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), "stackwave-pinned-"));
  temps.push(dir);
  return dir;
}

/** An executable script named `name` in `dir`. */
function fake(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, "#!/bin/sh\nexit 0\n");
  chmodSync(path, 0o755);
  return path;
}

/** findTool of each name in a fresh process whose cache is `cache` and whose PATH starts with `path`. */
function resolved(names: readonly string[], cache: string, path: string): string[] {
  const script = `import("./tools/cache/which.ts").then((m) => process.stdout.write(JSON.stringify(${JSON.stringify(names)}.map((n) => m.findTool(n) ?? "none"))))`;
  const out = execFileSync(process.execPath, ["--import", "tsx", "-e", script], {
    cwd: repoRoot,
    env: { ...process.env, STACKWAVE_CACHE: cache, PATH: `${path}:${process.env.PATH}` },
    encoding: "utf8",
  });
  return JSON.parse(out) as string[];
}

describe("GIVEN a tool in both the cache and a folder on PATH", () => {
  it("WHEN it is promtool, amtool, prometheus or alertmanager THEN the cache's pinned build wins", () => {
    const [cache, system] = [temp(), temp()];
    const names = ["promtool", "amtool", "prometheus", "alertmanager"];
    const pinned = names.map((name) => fake(join(cache, "bin"), name));
    names.forEach((name) => fake(system, name));
    expect(resolved(names, cache, system)).toEqual(pinned);
  });

  it("WHEN it is any other tool THEN PATH wins, as before", () => {
    const [cache, system] = [temp(), temp()];
    fake(join(cache, "bin"), "ferretdb");
    const onPath = fake(system, "ferretdb");
    expect(resolved(["ferretdb"], cache, system)).toEqual([onPath]);
  });
});

/** The binaries the recipes build, in their versioned cache folders. */
const builds = [
  { recipe: "prometheus", version: goTools.prometheus.release, binaries: ["prometheus", "promtool"] },
  { recipe: "alertmanager", version: goTools.alertmanager.release, binaries: ["alertmanager", "amtool"] },
].flatMap((b) => b.binaries.map((binary) => ({ ...b, binary, path: join(toolDir(b.recipe, b.version), "bin", binary) })));

for (const build of builds) {
  const present = existsSync(build.path);
  if (!present && inCI)
    throw new Error(`missing ${build.path}: node --import tsx tools/cache/build.ts ${build.recipe} (CI=true: missing tools fail the run)`);
  describe.skipIf(!present)(`GIVEN the cached ${build.binary} build`, () => {
    it(`WHEN asked for --version THEN it prints ${build.version}`, () => {
      const out = execFileSync(build.path, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      expect(out).toMatch(
        new RegExp(
          `^${build.binary}, version ${build.version.replace(/^v/, "").replace(/\./g, "\\.")} \\(branch: release, revision: ${build.version}\\)`,
        ),
      );
    });
  });
}

/** Polls `url` until it answers 200 or the process exits. */
async function ready(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before ${url} was ready:\n${log()}`);
    const res = await fetch(url).catch(() => undefined);
    if (res?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const prometheus = builds.find((b) => b.binary === "prometheus")!;
describe.skipIf(!existsSync(prometheus.path))("GIVEN the cached Prometheus server", () => {
  it("WHEN started on loopback THEN /-/ready answers, the build info is the pin, and the web UI (not in the Go module) is absent", async () => {
    const dir = temp();
    const { port } = await leasePort(); // held until this test process exits
    writeFileSync(join(dir, "prometheus.yml"), "global:\n  scrape_interval: 1m\n");
    const child = spawn(
      prometheus.path,
      [
        `--config.file=${join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(dir, "tsdb")}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { cwd: dir, stdio: ["ignore", "ignore", "pipe"] },
    );
    children.push(child);
    let log = "";
    child.stderr!.on("data", (c: Buffer) => (log += c.toString()));
    const base = `http://127.0.0.1:${port}`;
    await ready(`${base}/-/ready`, child, () => log);
    const info = (await (await fetch(`${base}/api/v1/status/buildinfo`)).json()) as { data: { version: string } };
    expect(info.data.version).toBe(prometheus.version.replace(/^v/, ""));
    // Built without the builtinassets tag: the React UI is not in the Go module, so its page is an error.
    const page = await fetch(`${base}/query`);
    expect([page.status, await page.text()]).toEqual([500, expect.stringContaining("Error opening React index.html")]);
  }, 60_000);
});
